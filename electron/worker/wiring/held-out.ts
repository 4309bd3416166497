// The held-out batch of the merge-agreement check: the first examples of the project's
// validation split, in the form the model's forward takes. The split is the one training
// used (same seed), so the batch is data the adapter never trained on.
import { join } from 'node:path';
import type { Dataset } from '../../../core/data/dataset';
import type { PretrainedModel, ModelInputs } from '../../../core/models/types';
import { loadDatasets } from '../../../core/node/datasets';
import { encodeBatch, loadTokenizer } from '../../../core/node/tokenizer';
import { imageSource, tokenSource, type ClassificationSource } from '../../../core/train/task';
import type { DatasetSpec as CoreDataset } from '../../../core/train/run-spec';

/** Examples in the check: enough to cover the classes of the sample, cheap to forward twice. */
export const HELD_OUT_SAMPLES = 64;

export interface HeldOutBatch {
  samples: number;
  /** New tensors each call (x: [samples, ...]); the caller disposes them. */
  inputs(): ModelInputs;
}

/** Builds the batch only when a merge asks for it; null = no validation data to hold out. */
export type HeldOutSource = () => HeldOutBatch | null;

function firstRows(src: ClassificationSource, n: number): HeldOutBatch {
  const samples = Math.min(n, src.labels.length);
  const idx = Int32Array.from({ length: samples }, (_, i) => i);
  return { samples, inputs: () => src.inputs(idx) };
}

/**
 * The validation examples as forward inputs. Causal-LM text has no held-out batch here
 * (its blocks depend on packing settings of the run); the check then says 'synthetic'.
 */
export function heldOutOf(validation: Dataset | null, modelDir: string, maxLength?: number, n = HELD_OUT_SAMPLES): HeldOutBatch | null {
  if (!validation) return null;
  switch (validation.kind) {
    case 'image-classification':
      return validation.labels.length > 0 ? firstRows(imageSource(validation), n) : null;
    case 'text-classification': {
      const texts = validation.texts.slice(0, n);
      if (texts.length === 0) return null;
      const enc = encodeBatch(loadTokenizer(modelDir), texts, maxLength ?? 128);
      return firstRows(tokenSource(enc.inputIds, enc.attentionMask, enc.shape[1], validation.labels.slice(0, texts.length)), n);
    }
    case 'causal-lm':
      return null;
    default: {
      const never: never = validation;
      throw new Error(`unknown dataset ${JSON.stringify(never)}`);
    }
  }
}

/**
 * The embedded sample's validation split (`spec` is the sample dataset the trainer uses),
 * drawn with `seed`: the studio's default seed unless a run in this session set another.
 */
export function sampleHeldOut(sampleDir: string, spec: CoreDataset, model: PretrainedModel, seed: number): HeldOutSource {
  return () => {
    const modelDir = join(sampleDir, 'model');
    return heldOutOf(loadDatasets(spec, sampleDir, modelDir, model, seed).validation, modelDir);
  };
}
