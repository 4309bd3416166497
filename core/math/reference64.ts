// Slow float64 references in plain JS, written independently of the tfjs kernels so tests
// can check those kernels against them. Dense d×d matrices are fine here: test-only.
import type { BoftGeometry } from './geometry';

/** Row-major [n, p] @ [p, q] -> [n, q]. */
export function matmul64(a: Float64Array, b: Float64Array, n: number, p: number, q: number): Float64Array {
  const out = new Float64Array(n * q);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < p; t++) {
      const av = a[i * p + t];
      for (let j = 0; j < q; j++) out[i * q + j] += av * b[t * q + j];
    }
  }
  return out;
}

/** Row-major [n, p] -> [p, n]. */
export function transpose64(a: Float64Array, n: number, p: number): Float64Array {
  const out = new Float64Array(n * p);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) out[j * n + i] = a[i * p + j];
  return out;
}

export function identity64(n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) out[i * n + i] = 1;
  return out;
}

/** Inverse of a [n, n] matrix by Gauss–Jordan with full pivoting. */
export function inverse64(a: Float64Array, n: number): Float64Array {
  const w = Float64Array.from(a);
  const inv = identity64(n);
  const colOf = Int32Array.from({ length: n }, (_, i) => i);
  for (let c = 0; c < n; c++) {
    let pr = c;
    let pc = c;
    for (let r = c; r < n; r++) {
      for (let s = c; s < n; s++) if (Math.abs(w[r * n + s]) > Math.abs(w[pr * n + pc])) [pr, pc] = [r, s];
    }
    if (w[pr * n + pc] === 0) throw new Error('inverse64: singular matrix');
    swapRows(w, n, c, pr);
    swapRows(inv, n, c, pr);
    swapCols(w, n, c, pc);
    [colOf[c], colOf[pc]] = [colOf[pc], colOf[c]];
    eliminate(w, inv, n, c);
  }
  // Column swaps of the left side permute the rows of the inverse.
  const out = new Float64Array(n * n);
  for (let c = 0; c < n; c++) for (let j = 0; j < n; j++) out[colOf[c] * n + j] = inv[c * n + j];
  return out;
}

function swapRows(w: Float64Array, n: number, r1: number, r2: number): void {
  if (r1 === r2) return;
  for (let j = 0; j < n; j++) [w[r1 * n + j], w[r2 * n + j]] = [w[r2 * n + j], w[r1 * n + j]];
}

function swapCols(w: Float64Array, n: number, c1: number, c2: number): void {
  if (c1 === c2) return;
  for (let i = 0; i < n; i++) [w[i * n + c1], w[i * n + c2]] = [w[i * n + c2], w[i * n + c1]];
}

function eliminate(w: Float64Array, inv: Float64Array, n: number, c: number): void {
  const piv = w[c * n + c];
  for (let j = 0; j < n; j++) {
    w[c * n + j] /= piv;
    inv[c * n + j] /= piv;
  }
  for (let r = 0; r < n; r++) {
    const f = w[r * n + c];
    if (r === c || f === 0) continue;
    for (let j = 0; j < n; j++) {
      w[r * n + j] -= f * w[c * n + j];
      inv[r * n + j] -= f * inv[c * n + j];
    }
  }
}

/** Cayley map of one raw block or N concatenated raw blocks: Q = (I − S)(I + S)^-1, S = ½(R − Rᵀ). */
export function cayley64(R: Float64Array, b: number): Float64Array {
  const bb = b * b;
  const out = new Float64Array(R.length);
  for (let o = 0; o < R.length; o += bb) {
    const plus = new Float64Array(bb);
    const minus = new Float64Array(bb);
    for (let i = 0; i < b; i++) {
      for (let j = 0; j < b; j++) {
        const s = 0.5 * (R[o + i * b + j] - R[o + j * b + i]);
        plus[i * b + j] = (i === j ? 1 : 0) + s;
        minus[i * b + j] = (i === j ? 1 : 0) - s;
      }
    }
    out.set(matmul64(minus, inverse64(plus, b), b, b, b), o);
  }
  return out;
}

/**
 * The reference's block_butterfly_perm(n=d, blocks=k/2^i, r=b/2), re-derived literally:
 * inside each group of d/(k/2^i) indices, chunks of r are reordered evens first, then odds.
 */
export function butterflyPerm64(g: BoftGeometry, factor: number): Int32Array {
  const perm = Int32Array.from({ length: g.d }, (_, i) => i);
  if (g.m === 1 || factor === 0) return perm;
  const r = Math.floor(g.b / 2);
  const groupSize = Math.floor(g.d / Math.floor(g.k / 2 ** factor));
  const nChunks = groupSize / r;
  const order: number[] = [];
  for (let c = 0; c < nChunks; c += 2) order.push(c);
  for (let c = 1; c < nChunks; c += 2) order.push(c);
  for (let start = 0; start < g.d; start += groupSize) {
    order.forEach((chunk, pos) => {
      for (let t = 0; t < r; t++) perm[start + pos * r + t] = start + chunk * r + t;
    });
  }
  return perm;
}

/** Dense permutation matrix: row r has its 1 at column perm[r]. */
export function permMatrix64(perm: Int32Array): Float64Array {
  const n = perm.length;
  const out = new Float64Array(n * n);
  for (let r = 0; r < n; r++) out[r * n + perm[r]] = 1;
  return out;
}

/** Dense M = B_{m-1}···B_0 from already-orthogonal blocks Q: [m, k, b, b]. */
export function rotationMatrixFromBlocks64(Q: Float64Array, g: BoftGeometry): Float64Array {
  const { d, k, b, m } = g;
  let M = identity64(d);
  for (let i = 0; i < m; i++) {
    const D = new Float64Array(d * d);
    for (let j = 0; j < k; j++) {
      for (let p = 0; p < b; p++) {
        for (let q = 0; q < b; q++) D[(j * b + p) * d + j * b + q] = Q[((i * k + j) * b + p) * b + q];
      }
    }
    const P = permMatrix64(butterflyPerm64(g, i));
    const B = matmul64(matmul64(P, D, d, d, d), transpose64(P, d, d), d, d, d);
    M = matmul64(B, M, d, d, d);
  }
  return M;
}

/** Dense M: [d, d] from raw boft_R: [m, k, b, b] (Cayley per block, then the butterfly product). */
export function rotationMatrix64(R: Float64Array, g: BoftGeometry): Float64Array {
  return rotationMatrixFromBlocks64(cayley64(R, g.b), g);
}

/** Deterministic standard-normal-ish values for tests (Box–Muller on a small LCG). */
export function randn64(n: number, seed: number, scale = 1): Float64Array {
  let s = seed >>> 0 || 1;
  const uni = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = scale * Math.sqrt(-2 * Math.log(uni())) * Math.cos(2 * Math.PI * uni());
  return out;
}
