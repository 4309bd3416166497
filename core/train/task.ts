// What the trainer trains: a model, its loss on a set of training examples, and its
// validation metrics. Tasks own no tensors between calls.
import * as tf from '@tensorflow/tfjs';
import type { Module } from '../nn/module';
import type { ImageClassificationData } from '../data/dataset';
import type { EvalMetrics } from './events';

export interface TrainTask {
  readonly kind: 'classification' | 'causal-lm';
  /** The module tree: its trainable Variables are optimized, its mode switched for eval. */
  readonly model: Module;
  readonly numExamples: number;
  /** Mean loss over training examples `idx` (a scalar; the caller tidies). */
  loss(idx: Int32Array): tf.Scalar;
  /** Validation metrics in eval mode; null when the task has no validation data. */
  evaluate(batchSize: number): EvalMetrics | null;
}

/** Mean cross-entropy. logits: [B, C], labels: [B] int. One-hot, not gather: gather has no wasm gradient. */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const logp = tf.logSoftmax(logits); // [B, C]
    const picked = tf.sum(tf.mul(logp, tf.oneHot(labels, logits.shape[1])), 1); // [B]
    return tf.neg(tf.mean(picked)) as tf.Scalar;
  });
}

/** Next-token cross-entropy: logits [B, T, V] predict ids shifted by one; mean over B·(T−1). */
export function causalLmLoss(logits: tf.Tensor3D, ids: tf.Tensor2D): tf.Scalar {
  const [B, T, V] = logits.shape;
  return tf.tidy(() => {
    const pred = tf.slice(logits, [0, 0, 0], [B, T - 1, V]).reshape([B * (T - 1), V]) as tf.Tensor2D;
    const target = tf.slice(ids, [0, 1], [B, T - 1]).reshape([B * (T - 1)]) as tf.Tensor1D;
    return crossEntropy(pred, target);
  });
}

/** Pixels of examples idx: [B, C, H, W]. */
export function pixelBatch(d: ImageClassificationData, idx: Int32Array): tf.Tensor4D {
  const [c, h, w] = d.shape;
  const per = c * h * w;
  const out = new Float32Array(idx.length * per);
  idx.forEach((j, i) => out.set(d.pixels.subarray(j * per, (j + 1) * per), i * per));
  return tf.tensor4d(out, [idx.length, c, h, w]);
}

function range(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}

/** Runs `fn` in eval mode and restores the previous mode (also on error). */
export function inEvalMode<T>(model: Module, fn: () => T): T {
  const was = model.training;
  model.eval();
  try {
    return fn();
  } finally {
    model.train(was);
  }
}

export interface ImageClassifier extends Module {
  /** pixel_values [B, C, H, W] -> logits [B, numClasses]. */
  forward(pixelValues: tf.Tensor): tf.Tensor;
}

/** Loss and accuracy of `model` over a dataset, batched; no gradients. */
export function classificationMetrics(model: ImageClassifier, d: ImageClassificationData, batchSize: number): EvalMetrics {
  return inEvalMode(model, () => {
    let lossSum = 0;
    let correct = 0;
    const all = range(d.labels.length);
    for (let i = 0; i < all.length; i += batchSize) {
      const idx = all.subarray(i, i + batchSize);
      const [l, c] = tf.tidy(() => {
        const logits = model.forward(pixelBatch(d, idx)) as tf.Tensor2D;
        const labels = tf.tensor1d(Int32Array.from(idx, (j) => d.labels[j]), 'int32');
        const loss = tf.mul(crossEntropy(logits, labels), idx.length);
        const hits = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'int32'));
        return [loss.dataSync()[0], hits.dataSync()[0]];
      });
      lossSum += l;
      correct += c;
    }
    const n = d.labels.length;
    return { eval_loss: lossSum / n, eval_accuracy: correct / n, eval_samples: n };
  });
}

export function imageClassificationTask(model: ImageClassifier, train: ImageClassificationData, validation: ImageClassificationData | null): TrainTask {
  return {
    kind: 'classification',
    model,
    numExamples: train.labels.length,
    loss: (idx) => tf.tidy(() => {
      const logits = model.forward(pixelBatch(train, idx)) as tf.Tensor2D;
      return crossEntropy(logits, tf.tensor1d(Int32Array.from(idx, (j) => train.labels[j]), 'int32'));
    }),
    evaluate: (bs) => (validation ? classificationMetrics(model, validation, bs) : null),
  };
}

export interface CausalLm extends Module {
  /** input_ids [B, T] -> logits [B, T, V]. */
  forward(inputIds: tf.Tensor): tf.Tensor;
}

/** Packed token blocks: ids [N, T]. Perplexity is exp of the mean token loss. */
export function causalLmTask(model: CausalLm, train: { ids: Int32Array; n: number; blockSize: number }, validation: { ids: Int32Array; n: number; blockSize: number } | null): TrainTask {
  const rows = (d: { ids: Int32Array; blockSize: number }, idx: Int32Array): tf.Tensor2D => {
    const T = d.blockSize;
    const out = new Int32Array(idx.length * T);
    idx.forEach((j, i) => out.set(d.ids.subarray(j * T, (j + 1) * T), i * T));
    return tf.tensor2d(out, [idx.length, T], 'int32');
  };
  const lossOf = (d: { ids: Int32Array; blockSize: number }, idx: Int32Array): tf.Scalar => tf.tidy(() => {
    const ids = rows(d, idx);
    return causalLmLoss(model.forward(ids) as tf.Tensor3D, ids);
  });
  const evaluate = (bs: number): EvalMetrics | null => {
    if (!validation) return null;
    return inEvalMode(model, () => {
      let sum = 0;
      const all = range(validation.n);
      for (let i = 0; i < all.length; i += bs) {
        const idx = all.subarray(i, i + bs);
        sum += tf.tidy(() => lossOf(validation, idx).dataSync()[0]) * idx.length;
      }
      const loss = sum / validation.n;
      return { eval_loss: loss, eval_perplexity: Math.exp(loss), eval_samples: validation.n };
    });
  };
  return { kind: 'causal-lm', model, numExamples: train.n, loss: (idx) => lossOf(train, idx), evaluate };
}
