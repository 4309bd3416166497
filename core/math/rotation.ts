// The butterfly rotation applied to activations, factor by factor, never as a d×d matrix.
//
// Work is done in the transposed layout Z = xᵀ: [d, T]: a permutation of the d axis is then
// a transpose that moves whole rows of T contiguous values, and a block-diagonal factor is
// a batched product [k, b, b] @ [k, b, T].
//   (x B_i)ᵀ  = P_i D_iᵀ P_iᵀ Z      (rotate:           factors m−1 … 0)
//   (x B_iᵀ)ᵀ = P_i D_i  P_iᵀ Z      (rotateTransposed: factors 0 … m−1)
// with D_i = blockdiag(Q_i) and P_iᵀ Z = rows of Z in inverse-perm order.
import * as tf from '@tensorflow/tfjs';
import { type BoftGeometry, assertFactorShape, assertGeometry } from './geometry';
import { butterflyView } from './butterfly';

/** Z: [d, T] -> P_iᵀ Z (rows gathered by the inverse permutation). */
export function unpermuteRows(Z: tf.Tensor2D, g: BoftGeometry, factor: number): tf.Tensor2D {
  if (factor === 0) return Z;
  const { groups, span, half } = butterflyView(g, factor);
  const T = Z.shape[1];
  return tf.transpose(tf.reshape(Z, [groups, 2, span, half * T]), [0, 2, 1, 3]).reshape([g.d, T]);
}

/** Z: [d, T] -> P_i Z (rows gathered by the permutation). */
export function permuteRows(Z: tf.Tensor2D, g: BoftGeometry, factor: number): tf.Tensor2D {
  if (factor === 0) return Z;
  const { groups, span, half } = butterflyView(g, factor);
  const T = Z.shape[1];
  return tf.transpose(tf.reshape(Z, [groups, span, 2, half * T]), [0, 2, 1, 3]).reshape([g.d, T]);
}

/** Z: [d, T], blocks: [k, b, b] -> blockdiag(blocks) Z, i.e. rows of block j mixed by blocks[j]. */
export function blockApply(Z: tf.Tensor2D, blocks: tf.Tensor3D, g: BoftGeometry): tf.Tensor2D {
  const T = Z.shape[1];
  return tf.matMul(blocks, tf.reshape(Z, [g.k, g.b, T])).reshape([g.d, T]);
}

/** Z: [d, T] -> (x B_i)ᵀ or (x B_iᵀ)ᵀ for one factor, Qi: [k, b, b]. */
function applyFactor(Z: tf.Tensor2D, Qi: tf.Tensor3D, g: BoftGeometry, factor: number, inverse: boolean): tf.Tensor2D {
  const blocks = inverse ? Qi : (tf.transpose(Qi, [0, 2, 1]) as tf.Tensor3D);
  return permuteRows(blockApply(unpermuteRows(Z, g, factor), blocks, g), g, factor);
}

function checkArgs(x: tf.Tensor2D, Q: tf.Tensor4D, g: BoftGeometry, what: string): void {
  assertGeometry(g, what);
  assertFactorShape(Q.shape, g, `${what}: Q`);
  if (x.rank !== 2 || x.shape[1] !== g.d) {
    throw new Error(`${what}: x has shape [${x.shape.join(', ')}], expected [T, ${g.d}] (d = k·b = ${g.k}·${g.b})`);
  }
}

function factorBlocks(Q: tf.Tensor4D, g: BoftGeometry, i: number): tf.Tensor3D {
  return tf.slice(Q, [i, 0, 0, 0], [1, g.k, g.b, g.b]).reshape([g.k, g.b, g.b]) as tf.Tensor3D;
}

/** x: [T, d], Q: [m, k, b, b] -> x @ M, M = B_{m−1}···B_0. */
export function rotate(x: tf.Tensor2D, Q: tf.Tensor4D, g: BoftGeometry): tf.Tensor2D {
  checkArgs(x, Q, g, 'rotate');
  return tf.tidy(() => {
    let Z = tf.transpose(x) as tf.Tensor2D;
    for (let i = g.m - 1; i >= 0; i--) Z = applyFactor(Z, factorBlocks(Q, g, i), g, i, false);
    return tf.transpose(Z) as tf.Tensor2D;
  });
}

/** x: [T, d], Q: [m, k, b, b] -> x @ Mᵀ (the inverse rotation). */
export function rotateTransposed(x: tf.Tensor2D, Q: tf.Tensor4D, g: BoftGeometry): tf.Tensor2D {
  checkArgs(x, Q, g, 'rotateTransposed');
  return tf.tidy(() => {
    let Z = tf.transpose(x) as tf.Tensor2D;
    for (let i = 0; i < g.m; i++) Z = applyFactor(Z, factorBlocks(Q, g, i), g, i, true);
    return tf.transpose(Z) as tf.Tensor2D;
  });
}
