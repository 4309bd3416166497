// Merge agreement: max |merged(x) − unmerged(x)| over a held-out batch, the check the
// adapters panel shows after a merge. The batch is the project's validation split when it
// has one (held-out.ts); otherwise a seeded probe from the model's input domain (pixels in
// [0, 1), token ids below vocab_size), and the result says which it was.
import * as tf from '@tensorflow/tfjs';
import { PretrainedModel, type ModelInputs } from '../../../core/models/types';
import type { Module } from '../../../core/nn/module';
import type { MergeAgreement } from '../../shared/schemas';
import type { HeldOutSource } from './held-out';

export const PROBE_SAMPLES = 8;
const PROBE_TOKENS = 16;
const SEED = 20231106;

function positiveInt(v: unknown): number | null {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : null;
}

/** Inputs for the model's required fields, or null when its config does not say their shape. */
export function probeInputs(model: PretrainedModel): ModelInputs | null {
  const c = model.config as Record<string, unknown>;
  const inputs: ModelInputs = {};
  for (const name of model.requiredInputs) {
    if (name === 'pixel_values') {
      const size = positiveInt(c.image_size);
      const channels = positiveInt(c.num_channels) ?? 3;
      if (!size) return null;
      inputs.pixel_values = tf.randomUniform([PROBE_SAMPLES, channels, size, size], 0, 1, 'float32', SEED);
    } else if (name === 'input_ids') {
      const vocab = positiveInt(c.vocab_size);
      if (!vocab) return null;
      inputs.input_ids = tf.randomUniform([PROBE_SAMPLES, PROBE_TOKENS], 0, vocab, 'int32', SEED);
    } else if (name === 'attention_mask') {
      inputs.attention_mask = tf.ones([PROBE_SAMPLES, PROBE_TOKENS], 'int32');
    } else {
      return null;
    }
  }
  if (inputs.input_ids && !inputs.attention_mask) inputs.attention_mask = tf.ones([PROBE_SAMPLES, PROBE_TOKENS], 'int32');
  return inputs;
}

function logits(model: PretrainedModel, inputs: ModelInputs): Float32Array {
  const wasTraining = model.training;
  model.eval();
  try {
    const out = model.forward(inputs);
    const values = out.logits.dataSync() as Float32Array;
    out.logits.dispose();
    out.loss?.dispose();
    return values.slice();
  } finally {
    model.train(wasTraining);
  }
}

/** The validation batch when the source gives one, else the seeded probe, else null. */
function pickBatch(model: PretrainedModel, heldOut: HeldOutSource | null): { inputs: ModelInputs; samples: number; batch: MergeAgreement['batch'] } | null {
  const held = heldOut?.() ?? null;
  if (held) return { inputs: held.inputs(), samples: held.samples, batch: 'validation' };
  const probe = probeInputs(model);
  return probe ? { inputs: probe, samples: PROBE_SAMPLES, batch: 'synthetic' } : null;
}

/**
 * Runs `merge` between two forwards and returns the largest difference (float64 in JS).
 * Returns null for models with neither a held-out batch nor a probe; `merge` runs either way.
 */
export function measureMerge(root: Module, merge: () => void, heldOut: HeldOutSource | null = null): MergeAgreement | null {
  const picked = root instanceof PretrainedModel ? pickBatch(root, heldOut) : null;
  if (!picked || !(root instanceof PretrainedModel)) {
    merge();
    return null;
  }
  try {
    const before = logits(root, picked.inputs);
    merge();
    const after = logits(root, picked.inputs);
    return { maxAbsDiff: maxAbsDiff(before, after), samples: picked.samples, batch: picked.batch };
  } finally {
    for (const t of Object.values(picked.inputs)) (t as tf.Tensor).dispose();
  }
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(b[i] - a[i]));
  return max;
}
