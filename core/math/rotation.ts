// The butterfly rotation applied to activations factor by factor, never as a d×d matrix.
//
// x: [T, d] stays in its natural layout; every permutation is a transpose inside a row,
// never across T (a full [T, d] transpose is ~10× slower on wasm). One factor computes
// x B_i = ((x P_i) D_i) P_iᵀ with D_i = blockdiag(Q_i). Writing a row index of factor i as
// (grp, e, a, r) over [groups, 2, 2^i, b/2], x P_i has block j = (grp, a) and in-block
// index p = (e, r). The block product is a depthwise convolution: input viewed as
// [1, T, b, k] (height T, width p, channel j) and filter F[0, p, j, q] = Q_j[p, q] give
// output channel j·b + q, i.e. (x P_i) D_i in block layout. This is the fastest exact form
// measured on wasm (XNNPACK; a batched matMul is 2–4× slower there) and it needs no gather,
// whose gradient wasm lacks. Depthwise gradients are missing on wasm too, so the backward
// is written out with forward depthwise convolutions only (see factorGrad).
import * as tf from '@tensorflow/tfjs';
import { type BoftGeometry, assertFactorShape, assertGeometry } from './geometry';
import { butterflyView } from './butterfly';

/** x: [T, d] natural -> [T, b, k] with p = (e, r) major and j = (grp, a) minor. */
function toPMajor(x: tf.Tensor, g: BoftGeometry, factor: number): tf.Tensor {
  const T = x.shape[0];
  if (factor === 0) return tf.transpose(tf.reshape(x, [T, g.k, g.b]), [0, 2, 1]);
  const { groups, span, half } = butterflyView(g, factor);
  return tf.transpose(tf.reshape(x, [T, groups, 2, span, half]), [0, 2, 4, 1, 3]);
}

/** y: [T, d] in block layout (j major, in-block index minor) -> natural layout. */
function blockToNatural(y: tf.Tensor, g: BoftGeometry, factor: number): tf.Tensor {
  const T = y.shape[0];
  if (factor === 0) return tf.reshape(y, [T, g.d]);
  const { groups, span, half } = butterflyView(g, factor);
  return tf.reshape(tf.transpose(tf.reshape(y, [T, groups, span, 2, half]), [0, 1, 3, 2, 4]), [T, g.d]);
}

/** natural [T, d] -> block layout [T, k, b] (inverse of blockToNatural). */
function naturalToBlock(y: tf.Tensor, g: BoftGeometry, factor: number): tf.Tensor {
  const T = y.shape[0];
  if (factor === 0) return tf.reshape(y, [T, g.k, g.b]);
  const { groups, span, half } = butterflyView(g, factor);
  return tf.reshape(tf.transpose(tf.reshape(y, [T, groups, 2, span, half]), [0, 1, 3, 2, 4]), [T, g.k, g.b]);
}

/** uP: p-major [T, b, k]; blocks: [k, b, b] -> [T, d] block layout, row j = u_j · blocks[j]. */
function depthwiseBlocks(uP: tf.Tensor, blocks: tf.Tensor, g: BoftGeometry): tf.Tensor {
  const T = uP.shape[0];
  const filter = tf.reshape(tf.transpose(blocks, [1, 0, 2]), [1, g.b, g.k, g.b]) as tf.Tensor4D; // [1, p, j, q]
  return tf.reshape(tf.depthwiseConv2d(tf.reshape(uP, [1, T, g.b, g.k]) as tf.Tensor4D, filter, 1, 'valid'), [T, g.d]);
}

/** dQ_j = u_jᵀ dy_j summed over T. uP: [T, b, k], dyBlock: [T, k, b] -> [k, b, b]. */
function blockOuterSum(uP: tf.Tensor, dyBlock: tf.Tensor, g: BoftGeometry): tf.Tensor {
  const T = uP.shape[0];
  // A depthwise filter of height T sums over tokens: out[0, 0, p, j·b + q] = Σ_t u[t, p, j] dy[t, j, q].
  const out = tf.depthwiseConv2d(tf.reshape(uP, [1, T, g.b, g.k]) as tf.Tensor4D, tf.reshape(dyBlock, [T, 1, g.k, g.b]) as tf.Tensor4D, 1, 'valid');
  return tf.transpose(tf.reshape(out, [g.b, g.k, g.b]), [1, 0, 2]);
}

/**
 * x: [T, d], blocks: [k, b, b] -> x P_i blockdiag(blocks) P_iᵀ: [T, d]. Differentiable
 * w.r.t. x and blocks through an explicit gradient made of forward ops only.
 */
export function applyFactor(x: tf.Tensor2D, blocks: tf.Tensor3D, g: BoftGeometry, factor: number): tf.Tensor2D {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xs, bs, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const uP = toPMajor(xs, g, factor);
    const value = blockToNatural(depthwiseBlocks(uP, bs, g), g, factor);
    save([uP, bs]);
    return { value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => factorGrad(dy, saved[0], saved[1], g, factor) };
  });
  return f(x, blocks) as tf.Tensor2D;
}

/** dy: [T, d] natural, uP: [T, b, k], blocks: [k, b, b] -> [dx: [T, d], dblocks: [k, b, b]]. */
function factorGrad(dy: tf.Tensor, uP: tf.Tensor, blocks: tf.Tensor, g: BoftGeometry, factor: number): tf.Tensor[] {
  // (x P) D = y_blk, so d(xP) = dy_blk Dᵀ: the same block product with transposed blocks,
  // fed with dy in q-major layout; its output is in block layout, which P maps back to x's.
  const dyQ = toPMajor(dy, g, factor);
  const du = depthwiseBlocks(dyQ, tf.transpose(blocks, [0, 2, 1]), g);
  const dx = blockToNatural(du, g, factor);
  const dBlocks = blockOuterSum(uP, naturalToBlock(dy, g, factor), g);
  return [dx, dBlocks];
}

/** Z: [d, T] -> P_iᵀ Z (rows gathered by the inverse permutation). Transposed-layout helper. */
export function unpermuteRows(Z: tf.Tensor2D, g: BoftGeometry, factor: number): tf.Tensor2D {
  if (factor === 0) return Z;
  const { groups, span, half } = butterflyView(g, factor);
  const T = Z.shape[1];
  return tf.transpose(tf.reshape(Z, [groups, 2, span, half * T]), [0, 2, 1, 3]).reshape([g.d, T]);
}

/** Z: [d, T] -> P_i Z (rows gathered by the permutation). Transposed-layout helper. */
export function permuteRows(Z: tf.Tensor2D, g: BoftGeometry, factor: number): tf.Tensor2D {
  if (factor === 0) return Z;
  const { groups, span, half } = butterflyView(g, factor);
  const T = Z.shape[1];
  return tf.transpose(tf.reshape(Z, [groups, span, 2, half * T]), [0, 2, 1, 3]).reshape([g.d, T]);
}

function checkArgs(x: tf.Tensor2D, Q: tf.Tensor4D, g: BoftGeometry, what: string): void {
  assertGeometry(g, what);
  assertFactorShape(Q.shape, g, `${what}: Q`);
  if (x.rank !== 2 || x.shape[1] !== g.d) {
    throw new Error(`${what}: x has shape [${x.shape.join(', ')}], expected [T, ${g.d}] (d = k·b = ${g.k}·${g.b})`);
  }
}

function factorBlocks(Q: tf.Tensor4D, g: BoftGeometry, i: number): tf.Tensor3D {
  return tf.reshape(tf.slice(Q, [i, 0, 0, 0], [1, g.k, g.b, g.b]), [g.k, g.b, g.b]);
}

/** x: [T, d], Q: [m, k, b, b] -> x @ M, M = B_{m−1}···B_0. */
export function rotate(x: tf.Tensor2D, Q: tf.Tensor4D, g: BoftGeometry): tf.Tensor2D {
  checkArgs(x, Q, g, 'rotate');
  return tf.tidy(() => {
    let y = x;
    for (let i = g.m - 1; i >= 0; i--) y = applyFactor(y, factorBlocks(Q, g, i), g, i);
    return y;
  });
}

/** x: [T, d], Q: [m, k, b, b] -> x @ Mᵀ = x B_0ᵀ···B_{m−1}ᵀ (the inverse rotation). */
export function rotateTransposed(x: tf.Tensor2D, Q: tf.Tensor4D, g: BoftGeometry): tf.Tensor2D {
  checkArgs(x, Q, g, 'rotateTransposed');
  return tf.tidy(() => {
    let y = x;
    for (let i = 0; i < g.m; i++) y = applyFactor(y, tf.transpose(factorBlocks(Q, g, i), [0, 2, 1]), g, i);
    return y;
  });
}
