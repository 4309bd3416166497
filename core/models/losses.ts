// The losses transformers' heads compute when labels are given. Class picks use a one-hot
// product instead of gather, whose gradient the wasm backend lacks.
import * as tf from '@tensorflow/tfjs';
import type { ProblemType } from './config';

export const IGNORE_INDEX = -100;

/**
 * Mean cross-entropy over the positions whose label is not -100 (torch's ignore_index).
 * logits: [N, C], labels: [N] int. All positions ignored gives NaN, as torch does.
 */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const [n, c] = logits.shape;
    if (labels.shape[0] !== n) throw new Error(`crossEntropy: labels [${labels.shape}] do not match logits [${logits.shape}]`);
    const lab = labels.dtype === 'int32' ? labels : tf.cast(labels, 'int32');
    const keep = tf.cast(tf.notEqual(lab, IGNORE_INDEX), 'float32'); // [N]
    const safe = tf.where(tf.equal(lab, IGNORE_INDEX), tf.zerosLike(lab), lab);
    const oneHot = tf.oneHot(safe, c); // [N, C]
    const nll = tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), oneHot), -1)); // [N]
    return tf.div(tf.sum(tf.mul(nll, keep)), tf.sum(keep)) as tf.Scalar;
  });
}

/** Causal-LM loss: position t predicts label t+1. logits: [B, T, V], labels: [B, T]. */
export function shiftedCrossEntropy(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const [b, t, v] = logits.shape;
    if (labels.shape[0] !== b || labels.shape[1] !== t) {
      throw new Error(`causal LM loss: labels [${labels.shape}] must be [${b}, ${t}] like input_ids`);
    }
    const pred = tf.reshape(tf.slice(logits, [0, 0, 0], [b, t - 1, v]), [b * (t - 1), v]) as tf.Tensor2D;
    const next = tf.reshape(tf.slice(labels, [0, 1], [b, t - 1]), [b * (t - 1)]) as tf.Tensor1D;
    return crossEntropy(pred, next);
  });
}

/** The sequence/image classification loss, chosen as transformers chooses it. logits: [B, C]. */
export function classificationLoss(problem: ProblemType, logits: tf.Tensor2D, labels: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    switch (problem) {
      case 'regression': {
        const y = tf.cast(labels, 'float32');
        const pred = logits.shape[1] === 1 ? tf.reshape(logits, y.shape) : logits;
        return tf.mean(tf.squaredDifference(pred, y)) as tf.Scalar;
      }
      case 'single_label_classification':
        return crossEntropy(logits, tf.reshape(labels, [-1]) as tf.Tensor1D);
      case 'multi_label_classification': {
        // BCE with logits, the stable form: max(x,0) − x·y + log(1 + e^(−|x|)).
        const y = tf.cast(labels, 'float32');
        const x = logits;
        const l = tf.add(tf.sub(tf.relu(x), tf.mul(x, y)), tf.log1p(tf.exp(tf.neg(tf.abs(x)))));
        return tf.mean(l) as tf.Scalar;
      }
      default: {
        const never: never = problem;
        throw new Error(`unknown problem_type ${String(never)}`);
      }
    }
  });
}
