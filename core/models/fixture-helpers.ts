// Shared by the model-zoo tests: the error measures they assert on and input selection.
// Test support only; nothing in the library imports it.
import * as tf from '@tensorflow/tfjs';
import { INPUT_NAMES, type InputName, type ModelInputs } from './types';

/**
 * Relative error in the max norm: max|got − want| / max|want|. Used instead of a per-element
 * ratio, which is meaningless for logits near zero.
 */
export function maxRelError(got: tf.Tensor, want: tf.Tensor): number {
  if (got.shape.join(',') !== want.shape.join(',')) throw new Error(`shape [${got.shape}] != expected [${want.shape}]`);
  const g = got.dataSync();
  const w = want.dataSync();
  let num = 0;
  let den = 0;
  for (let i = 0; i < w.length; i++) {
    num = Math.max(num, Math.abs(g[i] - w[i]));
    den = Math.max(den, Math.abs(w[i]));
  }
  return num / den;
}

export function scalarRelError(got: tf.Tensor, want: tf.Tensor): number {
  const g = got.dataSync()[0];
  const w = want.dataSync()[0];
  return Math.abs(g - w) / Math.abs(w);
}

/** The forward arguments among a fixture's tensors (logits/loss are the expectations). */
export function inputsOf(io: Map<string, tf.Tensor>, withLabels = true): ModelInputs {
  const out: ModelInputs = {};
  for (const name of INPUT_NAMES) {
    const t = io.get(name);
    if (t && (withLabels || name !== 'labels')) out[name as InputName] = t;
  }
  return out;
}

export function disposeMap(m: Map<string, tf.Tensor>): void {
  for (const t of m.values()) t.dispose();
}
