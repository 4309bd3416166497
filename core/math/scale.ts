// Per-column scaling y ⊙ s (BOFT's boft_s on a Linear output) without wasm's slow
// broadcasting Mul: on wasm a [T, n] × [n] tf.mul takes a generic broadcast loop (~10× a
// same-shape mul) and the column sum of its gradient (tf.sum over axis 0) is as slow. Both
// are depthwise convolutions in disguise, which XNNPACK runs at memory speed:
//   y ⊙ s:         input [1, T, 1, n] (channel = column), 1×1 filter s: [1, 1, n, 1];
//   Σ_t y ⊙ dy:    the same input with dy as a filter of height T: [T, 1, n, 1].
import * as tf from '@tensorflow/tfjs';

/** [T, n] -> [1, T, 1, n]: columns become depthwise channels. */
function asImage(y: tf.Tensor): tf.Tensor4D {
  const [T, n] = y.shape as [number, number];
  return tf.reshape(y, [1, T, 1, n]);
}

/** y: [T, n], s: [n] -> y ⊙ s (column j times s[j]). Differentiable w.r.t. y and s. */
export function scaleColumns(y: tf.Tensor2D, s: tf.Tensor1D): tf.Tensor2D {
  if (y.rank !== 2 || s.rank !== 1 || s.shape[0] !== y.shape[1]) {
    throw new Error(`scaleColumns: y [${y.shape.join(', ')}] and s [${s.shape.join(', ')}] must be [T, n] and [n]`);
  }
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [ys, ss, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
    const [T, n] = ys.shape;
    const value = tf.reshape(tf.depthwiseConv2d(asImage(ys), tf.reshape(ss, [1, 1, n, 1]) as tf.Tensor4D, 1, 'valid'), [T, n]);
    save([ys, ss]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [yv, sv] = saved;
        const dY = tf.reshape(tf.depthwiseConv2d(asImage(dy), tf.reshape(sv, [1, 1, n, 1]) as tf.Tensor4D, 1, 'valid'), [T, n]);
        const dS = tf.reshape(tf.depthwiseConv2d(asImage(yv), tf.reshape(dy, [T, 1, n, 1]) as tf.Tensor4D, 1, 'valid'), [n]);
        return [dY, dS];
      },
    };
  });
  return f(y, s) as tf.Tensor2D;
}
