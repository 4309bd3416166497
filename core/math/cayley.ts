// Cayley map of BOFT blocks, Q = (I − S)(I + S)^-1 with S = ½(R − Rᵀ), exact (a solve,
// not a series). tfjs has no solve, so the forward is done in one of two ways, both inside
// a tf.customGrad so no autograd tape runs through the elimination:
//  - 'host': read the blocks back and invert I + S in float64 JS (Q = 2(I + S)^-1 − I).
//    Cheapest and most accurate on cpu/wasm, where dataSync is only a copy. Its backward
//    reuses the float64 inverse, also on the host.
//  - 'device': batched Gauss–Jordan in tf ops, for GPU backends where a read-back stalls.
// The backward is analytic: with G = dL/dQ,
//   dL/dS = −½ (I + Qᵀ) G (I + Qᵀ),   dL/dR = ½ (dL/dS − (dL/dS)ᵀ).
// (From dQ = −(I + Q) dS (I + S)^-1 and (I + S)^-1 = ½ (I + Q); checked by finite
// differences in cayley.test.ts.)
import * as tf from '@tensorflow/tfjs';
import { tidyGrad } from './tidy-grad';

export type CayleyPath = 'host' | 'device';

export interface CayleyOptions {
  /** Force one forward path; default: 'host' on cpu/wasm, 'device' elsewhere. */
  path?: CayleyPath;
}

const HOST_BACKENDS = new Set(['cpu', 'wasm']);

export function defaultCayleyPath(backend: string = tf.getBackend()): CayleyPath {
  return HOST_BACKENDS.has(backend) ? 'host' : 'device';
}

/** R: [..., b, b] -> ½ (R − Rᵀ) over the last two axes. */
export function skew(R: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const perm = R.shape.map((_, i) => i);
    const r = perm.length;
    [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
    return tf.mul(0.5, tf.sub(R, tf.transpose(R, perm)));
  });
}

/** R: [N, b, b] raw stored params -> Q: [N, b, b] orthogonal. Differentiable w.r.t. R. */
export function cayley(R: tf.Tensor3D, opts: CayleyOptions = {}): tf.Tensor3D {
  if (R.rank !== 3 || R.shape[1] !== R.shape[2]) {
    throw new Error(`cayley: expected R of shape [N, b, b], got [${R.shape.join(', ')}]`);
  }
  const [N, b] = R.shape;
  if ((opts.path ?? defaultCayleyPath()) === 'host') return cayleyHost(R, N, b, [N, b, b], null) as tf.Tensor3D;
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [raw, save] = args as [tf.Tensor3D, tf.GradSaveFunc];
    const Q = cayleyDevice(raw);
    save([Q]);
    return { value: Q, gradFunc: tidyGrad((dy: tf.Tensor, saved: tf.Tensor[]) => [cayleyGrad(dy as tf.Tensor3D, saved[0] as tf.Tensor3D)]) };
  });
  return f(R) as tf.Tensor3D;
}

/**
 * R: [m, k, b, b] raw stored params -> F: [m, b, k, b], F[i, p, j, q] = Q_ij[p, q]: the same
 * Q in the layout the rotation's depthwise products read (rotation.ts toFilterLayout). On
 * the host path the reordering is part of the copy to and from the device, so a BOFT layer
 * runs no transposes of its blocks; elsewhere it is one transpose. Differentiable w.r.t. R.
 */
export function cayleyFilters(R: tf.Tensor4D, opts: CayleyOptions = {}): tf.Tensor4D {
  const [m, k, b, b2] = R.shape;
  if (R.rank !== 4 || b !== b2) throw new Error(`cayleyFilters: expected R of shape [m, k, b, b], got [${R.shape.join(', ')}]`);
  if ((opts.path ?? defaultCayleyPath()) === 'host') return cayleyHost(R, m * k, b, [m, b, k, b], blockFilterOrder(m, k, b)) as tf.Tensor4D;
  return tf.tidy(() => tf.transpose<tf.Tensor4D>(cayley(tf.reshape(R, [m * k, b, b]), opts).reshape([m, k, b, b]) as tf.Tensor4D, [0, 2, 1, 3]));
}

/**
 * The host path: R (N blocks of b×b, in any shape) -> Q in `shape`, element n of the
 * block-major order placed at order[n] (null: block-major itself). The float64 inverse stays
 * in this closure for the backward: no re-read of Q, no refactorization. The gradient has
 * R's shape.
 */
function cayleyHost(R: tf.Tensor, N: number, b: number, shape: number[], order: Int32Array | null): tf.Tensor {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const raw = args[0] as tf.Tensor;
    const X = invertIPlusSHost(raw.dataSync(), N, b);
    const Q = qFromInverse(X, b);
    let value = Q;
    if (order) {
      value = new Float32Array(Q.length);
      for (let n = 0; n < Q.length; n++) value[order[n]] = Q[n];
    }
    const gradFunc = tidyGrad((dy: tf.Tensor) => {
      const d = dy.dataSync();
      const G = new Float64Array(d.length); // one monomorphic element type for the hot loops
      for (let n = 0; n < G.length; n++) G[n] = d[order ? order[n] : n];
      return [tf.tensor(cayleyGradHostValues(G, X, N, b), raw.shape)];
    });
    return { value: tf.tensor(value, shape), gradFunc };
  });
  return f(R);
}

const filterOrders = new Map<string, Int32Array>();

/** Index map [m, k, b, b] -> [m, b, k, b]: element (i, j, p, q) goes to (i, p, j, q). Cached per shape. */
function blockFilterOrder(m: number, k: number, b: number): Int32Array {
  const key = `${m},${k},${b}`;
  const known = filterOrders.get(key);
  if (known) return known;
  const at = new Int32Array(m * k * b * b);
  let n = 0;
  for (let i = 0; i < m; i++) for (let j = 0; j < k; j++) for (let p = 0; p < b; p++) for (let q = 0; q < b; q++) at[n++] = ((i * b + p) * k + j) * b + q;
  filterOrders.set(key, at);
  return at;
}

/** G: [N, b, b] = dL/dQ, Q: [N, b, b] -> dL/dR: [N, b, b]. */
export function cayleyGrad(G: tf.Tensor3D, Q: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => {
    const b = Q.shape[1];
    const A = tf.add(tf.eye(b).expandDims(0), tf.transpose(Q, [0, 2, 1])); // I + Qᵀ: [N, b, b]
    const dS = tf.mul(-0.5, tf.matMul(tf.matMul(A, G), A));
    return tf.mul(0.5, tf.sub(dS, tf.transpose(dS, [0, 2, 1]))) as tf.Tensor3D;
  });
}

/**
 * raw: [N, b, b] -> X = (I + S)^-1 per block, float64 [N, b, b]. Since (I − S) and
 * (I + S)^-1 commute, Q = (I − S)(I + S)^-1 = 2X − I: one inversion instead of a solve
 * with b right-hand sides.
 */
export function invertIPlusSHost(raw: ArrayLike<number>, N: number, b: number): Float64Array {
  const bb = b * b;
  const X = new Float64Array(N * bb);
  for (let o = 0; o < N * bb; o += bb) {
    for (let i = 0; i < b; i++) {
      for (let j = 0; j < b; j++) X[o + i * b + j] = (i === j ? 1 : 0) + 0.5 * (raw[o + i * b + j] - raw[o + j * b + i]);
    }
    invertInPlace(X, o, b);
  }
  return X;
}

/**
 * In-place Gauss–Jordan inverse of the block at `o`, without pivoting: I + S has symmetric
 * part I and every Schur complement has symmetric part ⪰ I, so each pivot is ≥ 1.
 */
function invertInPlace(a: Float64Array, o: number, b: number): void {
  for (let k = 0; k < b; k++) {
    const rk = o + k * b;
    const inv = 1 / a[rk + k];
    a[rk + k] = 1;
    for (let j = 0; j < b; j++) a[rk + j] *= inv;
    eliminateRows(a, o, b, k, 0, k);
    eliminateRows(a, o, b, k, k + 1, b);
  }
}

/**
 * Rows [from, to) of the block at `o` minus (their column k) × pivot row k, four rows at a
 * time so each pivot-row load is shared (≈1.6× faster; the per-element arithmetic and its
 * order are the same as row by row).
 */
function eliminateRows(a: Float64Array, o: number, b: number, k: number, from: number, to: number): void {
  const rk = o + k * b;
  let i = from;
  for (; i + 4 <= to; i += 4) {
    const r0 = o + i * b;
    const r1 = r0 + b;
    const r2 = r1 + b;
    const r3 = r2 + b;
    const f0 = a[r0 + k];
    const f1 = a[r1 + k];
    const f2 = a[r2 + k];
    const f3 = a[r3 + k];
    a[r0 + k] = a[r1 + k] = a[r2 + k] = a[r3 + k] = 0;
    for (let j = 0; j < b; j++) {
      const r = a[rk + j];
      a[r0 + j] -= f0 * r;
      a[r1 + j] -= f1 * r;
      a[r2 + j] -= f2 * r;
      a[r3 + j] -= f3 * r;
    }
  }
  for (; i < to; i++) {
    const ri = o + i * b;
    const f = a[ri + k];
    a[ri + k] = 0;
    for (let j = 0; j < b; j++) a[ri + j] -= f * a[rk + j];
  }
}

/** X: [N, b, b] float64 inverses -> Q = 2X − I as fp32. */
export function qFromInverse(X: Float64Array, b: number): Float32Array {
  const Q = new Float32Array(X.length);
  for (let n = 0; n < X.length; n++) Q[n] = 2 * X[n];
  for (let o = 0; o < X.length; o += b * b) for (let i = 0; i < b; i++) Q[o + i * b + i] = 2 * X[o + i * b + i] - 1;
  return Q;
}

/**
 * G: [N, b, b] = dL/dQ (float64), X = (I + S)^-1 from the forward -> dL/dR. With I + Qᵀ = 2Xᵀ the
 * analytic backward becomes dL/dS = −2 M, M = Xᵀ G Xᵀ, and its skew part is dL/dR = Mᵀ − M.
 * Both products run as C = A·Bᵀ (rows against rows): Pᵀ = X·Gᵀ, then M = Xᵀ·(Pᵀ)ᵀ.
 */
export function cayleyGradHostValues(G: Float64Array, X: Float64Array, N: number, b: number): Float32Array {
  const bb = b * b;
  const [XT, PT, M] = [new Float64Array(bb), new Float64Array(bb), new Float64Array(bb)];
  const out = new Float32Array(N * bb);
  for (let o = 0; o < N * bb; o += bb) {
    for (let i = 0; i < b; i++) for (let j = 0; j < b; j++) XT[i * b + j] = X[o + j * b + i];
    abtInto(X, o, G, o, b, PT); // Pᵀ = (G Xᵀ)ᵀ = X Gᵀ
    abtInto(XT, 0, PT, 0, b, M); // M = Xᵀ P
    for (let i = 0; i < b; i++) for (let j = 0; j < b; j++) out[o + i * b + j] = M[j * b + i] - M[i * b + j];
  }
  return out;
}

/**
 * C[i, j] = Σ_t A[ao + i·b + t]·B[bo + j·b + t] for b×b blocks (C dense at 0). A 4×4 tile of C
 * per pass over t, so each of the 8 loads feeds 4 multiply-adds (1.2–1.4× the four-column
 * loop it replaced); the last b mod 4 rows and columns run plainly. Every sum runs t = 0..b−1.
 */
function abtInto(A: Float64Array, ao: number, B: Float64Array, bo: number, b: number, C: Float64Array): void {
  const b4 = b - (b % 4);
  for (let i = 0; i < b4; i += 4) for (let j = 0; j < b4; j += 4) abtTile(A, ao + i * b, B, bo + j * b, b, C, i * b + j);
  for (let i = 0; i < b; i++) {
    for (let j = i < b4 ? b4 : 0; j < b; j++) {
      let v = 0;
      for (let t = 0; t < b; t++) v += A[ao + i * b + t] * B[bo + j * b + t];
      C[i * b + j] = v;
    }
  }
}

/**
 * The 4×4 tile of abtInto at rows a0.. of A, rows q0.. of B, written at C[co]. Plain scalar
 * locals: array destructuring here allocates, and measured 2× slower than the loop it replaced.
 */
function abtTile(A: Float64Array, a0: number, B: Float64Array, q0: number, b: number, C: Float64Array, co: number): void {
  const a1 = a0 + b, a2 = a1 + b, a3 = a2 + b, q1 = q0 + b, q2 = q1 + b, q3 = q2 + b;
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let t = 0; t < b; t++) {
    const x0 = A[a0 + t], x1 = A[a1 + t], x2 = A[a2 + t], x3 = A[a3 + t];
    const y0 = B[q0 + t], y1 = B[q1 + t], y2 = B[q2 + t], y3 = B[q3 + t];
    c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
    c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
    c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
    c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
  }
  C[co] = c00; C[co + 1] = c01; C[co + 2] = c02; C[co + 3] = c03;
  co += b;
  C[co] = c10; C[co + 1] = c11; C[co + 2] = c12; C[co + 3] = c13;
  co += b;
  C[co] = c20; C[co + 1] = c21; C[co + 2] = c22; C[co + 3] = c23;
  co += b;
  C[co] = c30; C[co + 1] = c31; C[co + 2] = c32; C[co + 3] = c33;
}

/**
 * Batched Gauss–Jordan on [I − S | I + S | I] in tf ops, then one step of iterative
 * refinement with the inverse it also yields (halves the fp32 error at ‖S‖ ≈ 10). No
 * pivoting is needed: I − S has symmetric part I, and so does every Schur complement, so
 * each pivot is ≥ 1. R: [N, b, b] -> Q: [N, b, b].
 */
function cayleyDevice(R: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => {
    const [N, b] = R.shape;
    const S = skew(R);
    const I = tf.eye(b).expandDims(0);
    const A = tf.sub(I, S);
    const B = tf.add(I, S);
    let aug = tf.concat([A, B, tf.tile(I, [N, 1, 1])], 2); // [N, b, 3b]
    for (let c = 0; c < b; c++) aug = gaussJordanStep(aug, c, b);
    const X0 = tf.slice(aug, [0, 0, b], [N, b, b]); // ≈ (I − S)^-1 (I + S) = Qᵀ
    const Ainv = tf.slice(aug, [0, 0, 2 * b], [N, b, b]);
    const X = tf.add(X0, tf.matMul(Ainv, tf.sub(B, tf.matMul(A, X0))));
    return tf.transpose(X, [0, 2, 1]) as tf.Tensor3D;
  });
}

/** aug: [N, b, w]; clears column c everywhere but row c and scales row c to pivot 1. */
function gaussJordanStep(aug: tf.Tensor, c: number, b: number): tf.Tensor {
  return tf.tidy(() => {
    const [N, , width] = aug.shape;
    const row = tf.div(tf.slice(aug, [0, c, 0], [N, 1, width]), tf.slice(aug, [0, c, c], [N, 1, 1])); // [N, 1, 2b]
    const col = tf.slice(aug, [0, 0, c], [N, b, 1]); // [N, b, 1]
    const unitData = new Float32Array(b);
    unitData[c] = 1;
    const unit = tf.tensor3d(unitData, [1, b, 1]);
    return tf.sub(aug, tf.mul(tf.sub(col, unit), row));
  });
}
