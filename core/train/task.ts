// What the trainer trains: a model of the zoo, its loss on a set of training examples, and
// its validation metrics. Tasks own no tensors between calls.
import * as tf from '@tensorflow/tfjs';
import type { Module } from '../nn/module';
import type { ModelInputs, PretrainedModel } from '../models/types';
import { crossEntropy, shiftedCrossEntropy } from '../models/losses';
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

function range(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}

/** Rows idx of a row-major [N, ...] array as a tensor [B, ...]. */
function gatherRows<T extends Float32Array | Int32Array>(src: T, per: number, idx: Int32Array, shape: number[], dtype: 'float32' | 'int32'): tf.Tensor {
  const out = dtype === 'float32' ? new Float32Array(idx.length * per) : new Int32Array(idx.length * per);
  idx.forEach((j, i) => out.set(src.subarray(j * per, (j + 1) * per), i * per));
  return tf.tensor(out, [idx.length, ...shape], dtype);
}

/** Classification examples in the form the model's forward takes, with integer labels. */
export interface ClassificationSource {
  labels: Int32Array;
  /** Forward inputs of examples idx (new tensors; the caller tidies). */
  inputs(idx: Int32Array): ModelInputs;
}

export function imageSource(d: ImageClassificationData): ClassificationSource {
  const per = d.shape[0] * d.shape[1] * d.shape[2];
  return { labels: d.labels, inputs: (idx) => ({ pixel_values: gatherRows(d.pixels, per, idx, d.shape, 'float32') }) };
}

/** Tokenized text classification: ids and mask [N, T] (padded), labels [N]. */
export function tokenSource(ids: Int32Array, mask: Int32Array, seqLen: number, labels: Int32Array): ClassificationSource {
  return {
    labels,
    inputs: (idx) => ({ input_ids: gatherRows(ids, seqLen, idx, [seqLen], 'int32'), attention_mask: gatherRows(mask, seqLen, idx, [seqLen], 'int32') }),
  };
}

function labelTensor(src: ClassificationSource, idx: Int32Array): tf.Tensor1D {
  return tf.tensor1d(Int32Array.from(idx, (j) => src.labels[j]), 'int32');
}

/** Loss and accuracy over a whole source, batched, in eval mode, without gradients. */
export function classificationMetrics(model: PretrainedModel, src: ClassificationSource, batchSize: number): EvalMetrics {
  return inEvalMode(model, () => {
    let lossSum = 0;
    let correct = 0;
    const all = range(src.labels.length);
    for (let i = 0; i < all.length; i += batchSize) {
      const idx = all.subarray(i, i + batchSize);
      const [l, c] = tf.tidy(() => {
        const logits = model.forward(src.inputs(idx)).logits as tf.Tensor2D;
        const labels = labelTensor(src, idx);
        const hits = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'int32'));
        return [crossEntropy(logits, labels).dataSync()[0] * idx.length, hits.dataSync()[0]];
      });
      lossSum += l;
      correct += c;
    }
    const n = src.labels.length;
    return { eval_loss: lossSum / n, eval_accuracy: correct / n, eval_samples: n };
  });
}

export function classificationTask(model: PretrainedModel, train: ClassificationSource, validation: ClassificationSource | null): TrainTask {
  return {
    kind: 'classification',
    model,
    numExamples: train.labels.length,
    loss: (idx) => tf.tidy(() => crossEntropy(model.forward(train.inputs(idx)).logits as tf.Tensor2D, labelTensor(train, idx))),
    evaluate: (bs) => (validation ? classificationMetrics(model, validation, bs) : null),
  };
}

/** Packed token blocks: ids [n, blockSize]. */
export interface TokenBlocks {
  ids: Int32Array;
  n: number;
  blockSize: number;
}

/** Causal LM on packed blocks; perplexity is exp of the mean token loss. */
export function causalLmTask(model: PretrainedModel, train: TokenBlocks, validation: TokenBlocks | null): TrainTask {
  const lossOf = (d: TokenBlocks, idx: Int32Array): tf.Scalar => tf.tidy(() => {
    const ids = gatherRows(d.ids, d.blockSize, idx, [d.blockSize], 'int32');
    return shiftedCrossEntropy(model.forward({ input_ids: ids }).logits, ids);
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
