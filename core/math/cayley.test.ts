import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { type CayleyPath, cayley, cayleyFilters, cayleyGrad, defaultCayleyPath, skew } from './cayley';
import { cayley64, identity64, matmul64, randn64, transpose64 } from './reference64';
import { dot64, f32, fdGrad64, relMaxErr, scoped, t64, tensorLeaks } from './test-helpers';

const PATHS: CayleyPath[] = ['host', 'device'];

/** Spectral norm of a [b, b] block by power iteration on SᵀS (float64). */
function spectralNorm64(S: Float64Array, b: number): number {
  const StS = matmul64(transpose64(S, b, b), S, b, b, b);
  let v = randn64(b, 7);
  let lambda = 0;
  for (let it = 0; it < 500; it++) {
    const w = matmul64(StS, v, b, b, 1);
    lambda = Math.sqrt(dot64(w, w));
    v = w.map((x) => x / lambda);
  }
  return Math.sqrt(lambda);
}

/** N raw blocks whose skew parts have spectral norm exactly `norm`. */
function rawWithSkewNorm(N: number, b: number, norm: number, seed: number): Float64Array {
  const R = randn64(N * b * b, seed);
  for (let n = 0; n < N; n++) {
    const S = new Float64Array(b * b);
    for (let i = 0; i < b; i++) for (let j = 0; j < b; j++) S[i * b + j] = 0.5 * (R[n * b * b + i * b + j] - R[n * b * b + j * b + i]);
    const scale = norm / spectralNorm64(S, b);
    for (let i = 0; i < b * b; i++) R[n * b * b + i] *= scale;
  }
  return f32(R);
}

/** max over blocks of the induced ∞-norm (max row sum) of QᵀQ − I. */
function orthErrInf(Q: ArrayLike<number>, N: number, b: number): number {
  let worst = 0;
  for (let n = 0; n < N; n++) {
    const q = Float64Array.from({ length: b * b }, (_, i) => Q[n * b * b + i]);
    const e = matmul64(transpose64(q, b, b), q, b, b, b);
    const I = identity64(b);
    for (let i = 0; i < b; i++) {
      let row = 0;
      for (let j = 0; j < b; j++) row += Math.abs(e[i * b + j] - I[i * b + j]);
      worst = Math.max(worst, row);
    }
  }
  return worst;
}

describe('cayley64 (the reference itself)', () => {
  it('satisfies Q(I + S) = I − S and is orthogonal', () => {
    const b = 5;
    const R = randn64(b * b, 3, 2);
    const Q = cayley64(R, b);
    const IpS = new Float64Array(b * b);
    const ImS = new Float64Array(b * b);
    for (let i = 0; i < b; i++) {
      for (let j = 0; j < b; j++) {
        const s = 0.5 * (R[i * b + j] - R[j * b + i]);
        IpS[i * b + j] = (i === j ? 1 : 0) + s;
        ImS[i * b + j] = (i === j ? 1 : 0) - s;
      }
    }
    expect(relMaxErr(matmul64(Q, IpS, b, b, b), ImS)).toBeLessThan(1e-13);
    expect(orthErrInf(Q, 1, b)).toBeLessThan(1e-13);
  });

  it('analytic gradient −½(I + Qᵀ)G(I + Qᵀ), skew-projected, matches float64 finite differences', () => {
    const b = 4;
    const R = randn64(b * b, 11);
    const G = randn64(b * b, 12);
    const Q = cayley64(R, b);
    const A = Float64Array.from(transpose64(Q, b, b), (v, i) => v + identity64(b)[i]);
    const dS = matmul64(matmul64(A, G, b, b, b), A, b, b, b).map((v) => -0.5 * v);
    const dR = dS.map((v, i) => 0.5 * (v - dS[(i % b) * b + Math.floor(i / b)]));
    const fd = fdGrad64((r) => dot64(G, cayley64(r, b)), R, 1e-6);
    expect(relMaxErr(dR, fd)).toBeLessThan(1e-8);
  });
});

describe('skew', () => {
  it('is ½(R − Rᵀ) over the last two axes', () => {
    const R = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8], [2, 1, 2, 2]);
    const S = skew(R);
    expect([...S.dataSync()]).toEqual([0, -0.5, 0.5, 0, 0, -0.5, 0.5, 0]);
    tf.dispose([R, S]);
  });
});

describe.each(PATHS)('cayley, %s path', (path) => {
  it('equals cayley64 for b = 1, 2, 4, 6, 8, 32', () => {
    for (const b of [1, 2, 4, 6, 8, 32]) {
      const N = 3;
      const R = f32(randn64(N * b * b, 100 + b, 0.7));
      const got = tf.tidy(() => cayley(tf.tensor3d(Float32Array.from(R), [N, b, b]), { path }).dataSync());
      expect(relMaxErr(got, cayley64(R, b)), `b=${b}`).toBeLessThan(path === 'host' ? 2e-7 : 2e-6);
    }
  });

  it('is orthogonal to ‖QᵀQ − I‖∞ ≤ 1e-5 for ‖S‖₂ up to 10', () => {
    for (const [b, norm] of [[8, 10], [32, 10], [32, 1], [16, 0.01]] as const) {
      const N = 4;
      const R = rawWithSkewNorm(N, b, norm, 200 + b);
      const got = tf.tidy(() => cayley(tf.tensor3d(Float32Array.from(R), [N, b, b]), { path }).dataSync());
      expect(orthErrInf(got, N, b), `b=${b} ‖S‖=${norm}`).toBeLessThanOrEqual(1e-5);
      expect(relMaxErr(got, cayley64(R, b)), `b=${b} ‖S‖=${norm}`).toBeLessThan(path === 'host' ? 2e-7 : 2e-6);
    }
  });

  it('gradient w.r.t. R matches float64 finite differences (1e-5 relative)', () => {
    const N = 2;
    const b = 4;
    const R = f32(randn64(N * b * b, 21));
    const W = f32(randn64(N * b * b, 22));
    const grad = scoped(() => {
      const Wt = tf.tensor3d(Float32Array.from(W), [N, b, b]);
      const g = tf.grad((r: tf.Tensor) => tf.sum(tf.mul(Wt, cayley(r as tf.Tensor3D, { path }))));
      return t64(g(tf.tensor3d(Float32Array.from(R), [N, b, b])));
    });
    const fd = fdGrad64((r) => dot64(W, cayley64(r, b)), R);
    expect(relMaxErr(grad, fd)).toBeLessThan(1e-5);
  });

  it('leaks no tensors across repeated forward+backward', () => {
    const R = tf.randomNormal([3, 4, 4]) as tf.Tensor3D;
    const step = (): void => {
      tf.tidy(() => {
        tf.grad((r: tf.Tensor) => tf.sum(cayley(r as tf.Tensor3D, { path })))(R).dataSync();
      });
    };
    expect(tensorLeaks(step)).toEqual([0, 0, 0]);
    R.dispose();
  });
});

/** Q: [m·k, b, b] float64 -> filter layout [m, b, k, b] (F[i, p, j, q] = Q[i·k + j, p, q]), by plain index arithmetic. */
function filterLayout64(Q: Float64Array, m: number, k: number, b: number): Float64Array {
  const F = new Float64Array(Q.length);
  for (let i = 0; i < m; i++) for (let j = 0; j < k; j++) for (let p = 0; p < b; p++) for (let q = 0; q < b; q++) F[((i * b + p) * k + j) * b + q] = Q[((i * k + j) * b + p) * b + q];
  return F;
}

describe.each(PATHS)('cayleyFilters (blocks in the depthwise filter layout), %s path', (path) => {
  it('equals cayley64 reordered to [m, b, k, b], for m = 1, 2, 3', () => {
    for (const [m, k, b] of [[1, 4, 8], [2, 3, 4], [3, 2, 6]] as const) {
      const R = f32(randn64(m * k * b * b, 300 + m, 0.7));
      const got = tf.tidy(() => cayleyFilters(tf.tensor4d(Float32Array.from(R), [m, k, b, b]), { path }).dataSync());
      expect(relMaxErr(got, filterLayout64(cayley64(R, b), m, k, b)), `m=${m}`).toBeLessThan(path === 'host' ? 2e-7 : 2e-6);
    }
  });

  it('gradient w.r.t. R (taken in filter layout) matches float64 finite differences (1e-5 relative)', () => {
    const [m, k, b] = [2, 3, 4];
    const R = f32(randn64(m * k * b * b, 31));
    const W = f32(randn64(m * k * b * b, 32)); // a weight per filter-layout element
    const grad = scoped(() => {
      const Wt = tf.tensor4d(Float32Array.from(W), [m, b, k, b]);
      const g = tf.grad((r: tf.Tensor) => tf.sum(tf.mul(Wt, cayleyFilters(r as tf.Tensor4D, { path }))));
      return t64(g(tf.tensor4d(Float32Array.from(R), [m, k, b, b])));
    });
    const fd = fdGrad64((r) => dot64(W, filterLayout64(cayley64(r, b), m, k, b)), R);
    expect(relMaxErr(grad, fd)).toBeLessThan(1e-5);
  });

  it('leaks no tensors across repeated forward+backward', () => {
    const R = tf.randomNormal([2, 3, 4, 4]) as tf.Tensor4D;
    const step = (): void => {
      tf.tidy(() => {
        tf.grad((r: tf.Tensor) => tf.sum(tf.square(cayleyFilters(r as tf.Tensor4D, { path }))))(R).dataSync();
      });
    };
    expect(tensorLeaks(step)).toEqual([0, 0, 0]);
    R.dispose();
  });
});

describe('cayley host backward (float64, reuses the forward inverse)', () => {
  /** dL/dR for L = Σ W ⊙ cayley(R) through tf.grad on the host path. */
  function hostGrad(R: Float64Array, W: Float64Array, N: number, b: number): Float64Array {
    return scoped(() => {
      const Wt = tf.tensor3d(Float32Array.from(W), [N, b, b]);
      const g = tf.grad((r: tf.Tensor) => tf.sum(tf.mul(Wt, cayley(r as tf.Tensor3D, { path: 'host' }))));
      return t64(g(tf.tensor3d(Float32Array.from(R), [N, b, b])));
    });
  }

  it('matches float64 finite differences at b = 6 and 32, ‖S‖₂ = 10 (1e-5 relative)', () => {
    for (const b of [6, 32]) {
      const N = 2;
      const R = rawWithSkewNorm(N, b, 10, 300 + b);
      const W = f32(randn64(N * b * b, 301 + b));
      const grad = hostGrad(R, W, N, b);
      // A spread of coordinates in both blocks (full FD at b = 32 would cost 4096 solves).
      const only = Array.from({ length: 24 }, (_, i) => (i * 389 + 5) % (N * b * b));
      const fd = fdGrad64((r) => dot64(W, cayley64(r, b)), R, 1e-6, only);
      const pick = (a: Float64Array): Float64Array => Float64Array.from(only, (i) => a[i]);
      expect(relMaxErr(pick(grad), pick(fd)), `b=${b}`).toBeLessThan(1e-5);
    }
  });

  it('equals the tf-op analytic backward cayleyGrad(G, Q) on all coordinates', () => {
    const [N, b] = [3, 32];
    const R = rawWithSkewNorm(N, b, 3, 310);
    const W = f32(randn64(N * b * b, 311));
    const viaOps = scoped(() => {
      const Q = tf.tensor3d(Float32Array.from(cayley64(R, b)), [N, b, b]);
      return t64(cayleyGrad(tf.tensor3d(Float32Array.from(W), [N, b, b]), Q));
    });
    expect(relMaxErr(hostGrad(R, W, N, b), viaOps)).toBeLessThan(1e-5);
  });
});

describe('cayley path selection', () => {
  it('solves on the host on cpu/wasm and on the device elsewhere', () => {
    expect(defaultCayleyPath('cpu')).toBe('host');
    expect(defaultCayleyPath('wasm')).toBe('host');
    expect(defaultCayleyPath('webgl')).toBe('device');
    expect(defaultCayleyPath('tensorflow')).toBe('device');
  });

  it('rejects a non-square block tensor', () => {
    const R = tf.zeros([2, 3, 4]) as tf.Tensor3D;
    expect(() => cayley(R)).toThrow(/\[N, b, b\], got \[2, 3, 4\]/);
    R.dispose();
  });
});
