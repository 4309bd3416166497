// Per-column scaling y ⊙ s (BOFT's boft_s on a Linear output) without wasm's slow
// broadcasting Mul: on wasm a [T, n] × [n] tf.mul takes a generic broadcast loop (~10× a
// same-shape mul) and the column sum of its gradient (tf.sum over axis 0) is as slow. Both
// have fast forms:
//   y ⊙ s:         a 1×1 depthwise convolution, input [1, T, 1, n] (channel = column),
//                  filter s: [1, 1, n, 1] (XNNPACK runs it at memory speed);
//   Σ_t y ⊙ dy:    a same-shape mul, then a column sum (columnSum: a [T, 1] average pool
//                  times T, one streaming pass).
import * as tf from '@tensorflow/tfjs';
import { tidyGrad } from './tidy-grad';

/** [T, n] -> [1, T, 1, n]: columns become depthwise channels. */
function asImage(y: tf.Tensor): tf.Tensor4D {
  const [T, n] = y.shape as [number, number];
  return tf.reshape(y, [1, T, 1, n]);
}

function checkShapes(y: tf.Tensor, s: tf.Tensor, bias: tf.Tensor | undefined): void {
  const n = y.shape[1];
  if (y.rank !== 2 || s.rank !== 1 || s.shape[0] !== n || (bias && (bias.rank !== 1 || bias.shape[0] !== n))) {
    const b = bias ? ` and bias [${bias.shape.join(', ')}]` : '';
    throw new Error(`scaleColumns: y [${y.shape.join(', ')}] and s [${s.shape.join(', ')}]${b} must be [T, n] and [n]`);
  }
}

/** s: [n] -> a 1×1 depthwise filter [1, 1, n, 1]. */
const pointFilter = (s: tf.Tensor): tf.Tensor4D => tf.reshape(s, [1, 1, s.shape[0], 1]);

/** dy: [T, n], y: [T, n], s: [n] -> [dy ⊙ s, Σ_t y ⊙ dy]. */
export function scaleGrads(dy: tf.Tensor, y: tf.Tensor, s: tf.Tensor): [tf.Tensor, tf.Tensor] {
  const [T, n] = y.shape as [number, number];
  const dY = tf.reshape(tf.depthwiseConv2d(asImage(dy), pointFilter(s), 1, 'valid'), [T, n]);
  return [dY, columnSum(tf.mul(y, dy))];
}

/** y: [T, n], s: [n], bias?: [n] -> y ⊙ s (+ bias): one (fused) depthwise op, no tape of its own. */
export function scaleValue(y: tf.Tensor, s: tf.Tensor, bias?: tf.Tensor): tf.Tensor {
  const [T, n] = y.shape as [number, number];
  const [image, filter] = [asImage(y), pointFilter(s)];
  const out = bias ? tf.fused.depthwiseConv2d({ x: image, filter, strides: 1, pad: 'valid', bias }) : tf.depthwiseConv2d(image, filter, 1, 'valid');
  return tf.reshape(out, [T, n]);
}

/**
 * Σ_t dy: [T, n] -> [n], as a [T, 1] average pool over the columns (channels) times T. On wasm
 * tf.sum over axis 0 transposes first (~15 ms at [2048, 768]); ones [1, T] @ dy has XNNPACK
 * pack dy, a new right operand every call, first (~5 ms); the pool streams dy once (~0.2 ms).
 * The mean's 1/T scaling and the product with T each round once (≤ ~2 ulp of the sum; none
 * when T is a power of two).
 */
export function columnSum(dy: tf.Tensor): tf.Tensor {
  const [T, n] = dy.shape as [number, number];
  const mean = tf.avgPool(tf.reshape(dy, [1, T, 1, n]) as tf.Tensor4D, [T, 1], 1, 'valid');
  return tf.mul(tf.reshape(mean, [n]), tf.scalar(T));
}

/**
 * y: [T, n], s: [n], bias?: [n] -> y ⊙ s (+ bias, unscaled). Differentiable w.r.t. y, s and,
 * unless `biasFrozen`, bias. With a bias the forward is one fused depthwise op, and the bias
 * gradient Σ_t dy is a columnSum. A frozen bias (trainable = false) gets no gradient, so that product is skipped.
 */
export function scaleColumns(y: tf.Tensor2D, s: tf.Tensor1D, bias?: tf.Tensor1D, biasFrozen = false): tf.Tensor2D {
  checkShapes(y, s, bias);
  if (!bias || biasFrozen) {
    const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [ys, ss, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
      save([ys, ss]);
      return { value: scaleValue(ys, ss, bias), gradFunc: tidyGrad((dy: tf.Tensor, saved: tf.Tensor[]) => scaleGrads(dy, saved[0], saved[1])) };
    });
    return f(y, s) as tf.Tensor2D;
  }
  const fb = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [ys, ss, bs, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    save([ys, ss]);
    const gradFunc = tidyGrad((dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => [...scaleGrads(dy, saved[0], saved[1]), columnSum(dy)]);
    return { value: scaleValue(ys, ss, bs), gradFunc };
  });
  return fb(y, s, bias) as tf.Tensor2D;
}
