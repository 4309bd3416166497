// Cayley map of BOFT blocks, Q = (I − S)(I + S)^-1 with S = ½(R − Rᵀ), exact (a solve,
// not a series). tfjs has no solve, so the forward is done in one of two ways, both inside
// a tf.customGrad so no autograd tape runs through the elimination:
//  - 'host': read the blocks back and solve in float64 JS. Cheapest and most accurate on
//    cpu/wasm, where dataSync is only a copy.
//  - 'device': batched Gauss–Jordan in tf ops, for GPU backends where a read-back stalls.
// The backward is analytic and shared: with G = dL/dQ,
//   dL/dS = −½ (I + Qᵀ) G (I + Qᵀ),   dL/dR = ½ (dL/dS − (dL/dS)ᵀ).
// (From dQ = −(I + Q) dS (I + S)^-1 and (I + S)^-1 = ½ (I + Q); checked by finite
// differences in cayley.test.ts.)
import * as tf from '@tensorflow/tfjs';

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
  const path = opts.path ?? defaultCayleyPath();
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const raw = args[0] as tf.Tensor3D;
    const save = args[1] as tf.GradSaveFunc;
    const Q = path === 'host' ? cayleyHost(raw) : cayleyDevice(raw);
    save([Q]);
    return { value: Q, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => cayleyGrad(dy as tf.Tensor3D, saved[0] as tf.Tensor3D) };
  });
  return f(R) as tf.Tensor3D;
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

/** Float64 solve per block, on the host. R: [N, b, b] -> Q: [N, b, b]. */
function cayleyHost(R: tf.Tensor3D): tf.Tensor3D {
  const [N, b] = R.shape;
  const raw = R.dataSync();
  const out = new Float32Array(N * b * b);
  const work = new Float64Array(2 * b * b);
  for (let n = 0; n < N; n++) cayleyBlockInto(raw, n * b * b, b, work, out);
  return tf.tensor3d(out, [N, b, b]);
}

/**
 * One block: solve (I − S) X = (I + S) by Gaussian elimination with partial pivoting;
 * X = (I − S)^-1 (I + S) = Qᵀ, so Q is written transposed. `work`: [2, b, b] scratch.
 */
export function cayleyBlockInto(raw: ArrayLike<number>, off: number, b: number, work: Float64Array, out: Float32Array): void {
  const bb = b * b;
  for (let i = 0; i < b; i++) {
    for (let j = 0; j < b; j++) {
      const s = 0.5 * (raw[off + i * b + j] - raw[off + j * b + i]);
      const id = i === j ? 1 : 0;
      work[i * b + j] = id - s; // A = I − S
      work[bb + i * b + j] = id + s; // right-hand sides
    }
  }
  for (let c = 0; c < b; c++) eliminateColumn(work, b, c);
  backSubstitute(work, b);
  for (let i = 0; i < b; i++) for (let j = 0; j < b; j++) out[off + j * b + i] = work[bb + i * b + j];
}

function eliminateColumn(w: Float64Array, b: number, c: number): void {
  const bb = b * b;
  let p = c;
  for (let r = c + 1; r < b; r++) if (Math.abs(w[r * b + c]) > Math.abs(w[p * b + c])) p = r;
  if (p !== c) {
    for (let j = 0; j < b; j++) {
      [w[c * b + j], w[p * b + j]] = [w[p * b + j], w[c * b + j]];
      [w[bb + c * b + j], w[bb + p * b + j]] = [w[bb + p * b + j], w[bb + c * b + j]];
    }
  }
  const piv = w[c * b + c];
  for (let r = c + 1; r < b; r++) {
    const f = w[r * b + c] / piv;
    if (f === 0) continue;
    for (let j = c; j < b; j++) w[r * b + j] -= f * w[c * b + j];
    for (let j = 0; j < b; j++) w[bb + r * b + j] -= f * w[bb + c * b + j];
  }
}

function backSubstitute(w: Float64Array, b: number): void {
  const bb = b * b;
  for (let r = b - 1; r >= 0; r--) {
    const piv = w[r * b + r];
    for (let j = 0; j < b; j++) {
      let v = w[bb + r * b + j];
      for (let t = r + 1; t < b; t++) v -= w[r * b + t] * w[bb + t * b + j];
      w[bb + r * b + j] = v / piv;
    }
  }
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
