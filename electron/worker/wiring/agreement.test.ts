// The merge-agreement check on the real sample and core/boft: the held-out batch is the
// sample's validation split, a model folder without data falls back to the seeded probe
// and says so, and the figure is a real measurement (a known change is read back exactly).
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { subset, datasetSize } from '../../../core/data/dataset';
import { trainValidationSplit } from '../../../core/data/split';
import { loadDatasets } from '../../../core/node/datasets';
import { PretrainedModel } from '../../../core/models/types';
import { sampleDir } from '../../node/paths';
import type { LoadedModel } from '../ports';
import { CoreAdapters, coreAdapterFactory } from './adapters';
import { measureMerge, PROBE_SAMPLES } from './agreement';
import { HELD_OUT_SAMPLES, heldOutOf } from './held-out';
import { CoreModels } from './models';
import { SAMPLE_DATASET } from './trainer';

const dir = sampleDir();
const models = new CoreModels(dir);
const signal = new AbortController().signal;
const opened: LoadedModel[] = [];
beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});
afterEach(() => opened.splice(0).forEach((m) => m.dispose()));

async function open(kind: 'sample' | 'folder'): Promise<LoadedModel> {
  const m = kind === 'sample' ? await models.openSample(signal) : await models.openFolder(join(dir, 'model'), signal);
  opened.push(m);
  return m;
}

/** A trained-looking adapter: init_weights false draws non-identity rotations, so merging is not a no-op. */
function withAdapter(model: LoadedModel, seed: number): CoreAdapters {
  const engine = coreAdapterFactory(dir, SAMPLE_DATASET, seed).create(model) as CoreAdapters;
  engine.addAdapter('a', { boft_block_size: 8, target_modules: ['fc1', 'fc2'], init_weights: false }, 'run-x');
  return engine;
}

describe('merge agreement on a held-out batch (real sample, core/boft)', () => {
  it('uses the validation split of the sample and agrees to fp32 rounding after a merge', async () => {
    const model = await open('sample');
    const engine = withAdapter(model, 0);
    const before = tf.memory().numTensors;
    const a = await engine.merge(undefined, true);
    expect(a).not.toBeNull();
    expect(a?.batch).toBe('validation');
    expect(a?.samples).toBe(HELD_OUT_SAMPLES);
    // Logits of magnitude ~10 in fp32: merged and unmerged paths round differently by ~1e-6.
    expect(a?.maxAbsDiff).toBeLessThan(1e-4);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a model folder without data falls back to the seeded probe and says so', async () => {
    const model = await open('folder');
    const engine = withAdapter(model, 0);
    const a = await engine.merge(undefined, false);
    expect(a).toMatchObject({ batch: 'synthetic', samples: PROBE_SAMPLES });
    expect(a?.maxAbsDiff).toBeLessThan(1e-4);
  });
});

describe('the held-out batch', () => {
  it('is the first rows of the validation side of the seeded split, disjoint from the train side', async () => {
    const model = await open('sample');
    const root = model.root as PretrainedModel;
    const modelDir = join(dir, 'model');
    const all = loadDatasets({ ...SAMPLE_DATASET, validation_split: undefined }, dir, modelDir, root, 0).train;
    if (all.kind !== 'image-classification') throw new Error('the sample is image data');
    const split = trainValidationSplit(datasetSize(all), 0.3, 0);
    const trainIdx = new Set(split.train);
    const val = subset(all, split.validation);
    const batch = heldOutOf(loadDatasets(SAMPLE_DATASET, dir, modelDir, root, 0).validation, modelDir);
    expect(batch?.samples).toBe(HELD_OUT_SAMPLES);
    const x = batch?.inputs().pixel_values as tf.Tensor;
    expect(x.shape).toEqual([HELD_OUT_SAMPLES, 1, 8, 8]);
    const per = 64;
    expect(Array.from(x.dataSync())).toEqual(Array.from((val as typeof all).pixels.subarray(0, HELD_OUT_SAMPLES * per)));
    x.dispose();
    for (const j of split.validation.subarray(0, HELD_OUT_SAMPLES)) expect(trainIdx.has(j)).toBe(false);
  });

  it('measures a known change exactly: shifting every logit by 0.5 reads back as 0.5', async () => {
    const model = await open('sample');
    const root = model.root as PretrainedModel;
    const bias = root.getSubmodule('classifier').param('bias');
    let calls = 0;
    const src = () => {
      calls++;
      return heldOutOf(loadDatasets(SAMPLE_DATASET, dir, join(dir, 'model'), root, 0).validation, join(dir, 'model'));
    };
    const a = measureMerge(root, () => bias.assign(tf.tidy(() => bias.add(0.5))), src);
    expect(calls).toBe(1);
    expect(a?.batch).toBe('validation');
    // fp32 logits ~10: the shift survives rounding to ~1e-6.
    expect(Math.abs((a?.maxAbsDiff ?? 0) - 0.5)).toBeLessThan(1e-5);
  });
});
