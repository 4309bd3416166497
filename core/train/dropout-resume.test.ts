// Exact resume with boft_dropout > 0: the dropout generators travel in the checkpoint, so
// K steps + checkpoint + resume + N−K steps give the uninterrupted run's losses bit for bit.
// Also: the state matters (a tampered state changes the losses), and old/mismatched
// checkpoints are refused without touching the model.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { PretrainedModel, type InputName, type ModelInputs, type ModelOutput } from '../models/types';
import { Linear } from '../nn/layers/linear';
import type { ImageClassificationData } from '../data/dataset';
import { BOFTConfig } from '../boft/config';
import { getPeftModel } from '../boft/model';
import { BOFTLayer } from '../boft/layer';
import { resolveTrainingArguments, type TrainingArguments } from './args';
import { TRAINER_STATE_FILE } from './checkpoint';
import { MemoryCheckpointStore, type CheckpointFiles } from './store';
import { classificationTask, imageSource } from './task';
import { Trainer } from './trainer';
import { Rng } from './rng';
import { dropoutRngKey } from './rng-state';

class TinyNet extends PretrainedModel {
  readonly typeName = 'TinyNet';
  readonly config = {};
  readonly task = 'image-classification' as const;
  readonly requiredInputs: readonly InputName[] = ['pixel_values'];
  constructor() {
    super();
    this.registerModule('fc1', new Linear(8, 8, { seed: 7 }));
    this.registerModule('fc2', new Linear(8, 3, { seed: 8 }));
  }
  forward(inputs: ModelInputs): ModelOutput {
    const x = this.requireInput(inputs, 'pixel_values');
    return { logits: tf.tidy(() => (this.child('fc2') as Linear).forward(tf.relu((this.child('fc1') as Linear).forward(x.reshape([x.shape[0], 8]))))) };
  }
}

/** Three noisy classes in 8-D as [N, 1, 2, 4] "images". */
function blobs(n: number, seed: number): ImageClassificationData {
  const rng = new Rng(seed);
  const pixels = new Float32Array(n * 8);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 3;
    for (let j = 0; j < 8; j++) pixels[i * 8 + j] = (j % 3 === labels[i] ? 1.5 : 0) + (rng.next() - 0.5);
  }
  return { kind: 'image-classification', pixels, shape: [1, 2, 4], labels, classNames: ['a', 'b', 'c'] };
}

interface Run { trainer: Trainer; model: TinyNet }

function setup(dropout: number, args: Partial<TrainingArguments>, store?: MemoryCheckpointStore): Run {
  const model = new TinyNet();
  // b = 2, m = 2 → k = 4 blocks per factor; p = 0.25 drops int(0.25·4) = 1 block per step.
  getPeftModel(model, new BOFTConfig({ target_modules: ['fc1', 'fc2'], boft_block_size: 2, boft_n_butterfly_factor: 2, boft_dropout: dropout, init_weights: false }), 'default', { seed: 11 });
  model.train();
  const task = classificationTask(model, imageSource(blobs(40, 1)), null);
  const a = resolveTrainingArguments({ learning_rate: 0.05, per_device_train_batch_size: 8, max_steps: 8, seed: 3, save_steps: 3, save_total_limit: 5, ...args });
  return { trainer: new Trainer({ task, args: a, store }), model };
}

async function losses(trainer: Trainer): Promise<number[]> {
  const out: number[] = [];
  await trainer.run((e) => { if (e.type === 'step') out.push(e.loss); });
  return out;
}

function cleanup(...xs: Run[]): void {
  for (const x of xs) { x.trainer.dispose(); x.model.dispose(); }
}

/** The checkpoint with its trainer_state.json edited. */
function editState(files: CheckpointFiles, edit: (s: Record<string, unknown>) => void): CheckpointFiles {
  const s = JSON.parse(new TextDecoder().decode(files.get(TRAINER_STATE_FILE))) as Record<string, unknown>;
  edit(s);
  return new Map([...files, [TRAINER_STATE_FILE, new TextEncoder().encode(JSON.stringify(s))]]);
}

function weights(model: TinyNet): number[] {
  return model.namedParameters().flatMap(([, p]) => [...p.dataSync()]);
}

describe('resume with boft_dropout = 0.25', { timeout: 30_000 }, () => {
  it('K steps + checkpoint + resume + N−K steps equals N uninterrupted steps exactly', async () => {
    const store = new MemoryCheckpointStore();
    const full = setup(0.25, {}, store);
    const all = await losses(full.trainer);
    expect(all).toHaveLength(8);
    // Dropout really acts: without it the same run has other losses.
    const plain = setup(0, {});
    const noDrop = await losses(plain.trainer);
    expect(noDrop.slice(1)).not.toEqual(all.slice(1));

    const files = await store.load('checkpoint-3');
    const state = JSON.parse(new TextDecoder().decode(files.get(TRAINER_STATE_FILE))) as { version: number; rng: Record<string, number> };
    expect(state.version).toBe(2);
    expect(Object.keys(state.rng).sort()).toEqual([dropoutRngKey('fc1', 'default'), dropoutRngKey('fc2', 'default')]);

    const resumed = setup(0.25, {}, store);
    const before = tf.memory().numTensors;
    resumed.trainer.restore(files, 'checkpoint-3');
    expect(tf.memory().numTensors).toBe(before);
    expect(await losses(resumed.trainer)).toEqual(all.slice(3));
    expect(weights(resumed.model)).toEqual(weights(full.model));

    // The generator state is what makes it exact: another state gives other losses.
    const tampered = setup(0.25, {});
    const key = dropoutRngKey('fc1', 'default');
    tampered.trainer.restore(editState(files, (s) => { (s.rng as Record<string, number>)[key] = ((state.rng[key] + 12345) >>> 0); }), 'checkpoint-3');
    expect(await losses(tampered.trainer)).not.toEqual(all.slice(3));
    cleanup(full, plain, resumed, tampered);
  });

  it('restoring the generator state via BOFTLayer replays the same dropped blocks', () => {
    const run = setup(0.25, {});
    const layer = run.model.getSubmodule('fc1') as BOFTLayer;
    const s0 = layer.dropoutRngState('default');
    const q1 = tf.tidy(() => layer.orthogonal('default', true).arraySync());
    expect(layer.dropoutRngState('default')).not.toBe(s0);
    const q2 = tf.tidy(() => layer.orthogonal('default', true).arraySync());
    layer.setDropoutRngState('default', s0);
    expect(tf.tidy(() => layer.orthogonal('default', true).arraySync())).toEqual(q1);
    expect(q2).not.toEqual(q1);
    expect(() => layer.setDropoutRngState('default', -1)).toThrow(/uint32/);
    expect(() => layer.dropoutRngState('other')).toThrow(/'fc1' has no adapter 'other'/);
    cleanup(run);
  });

  it('refuses a version-1 checkpoint when dropout is on, and loads it when dropout is off', async () => {
    const store = new MemoryCheckpointStore();
    const src = setup(0.25, { max_steps: 3 }, store);
    await losses(src.trainer);
    const v1 = editState(await store.load('checkpoint-3'), (s) => { s.version = 1; s.rng = {}; });
    const other = setup(0.25, { max_steps: 3 });
    const w = weights(other.model);
    expect(() => other.trainer.restore(v1, 'checkpoint-3')).toThrow(/version-1 .*does not store the BOFT dropout generators.*layer 'fc1' adapter 'default', layer 'fc2' adapter 'default'/);
    expect(weights(other.model)).toEqual(w);
    expect(other.trainer.step).toBe(0);

    const plainStore = new MemoryCheckpointStore();
    const plainSrc = setup(0, { max_steps: 3 }, plainStore);
    await losses(plainSrc.trainer);
    const plainV1 = editState(await plainStore.load('checkpoint-3'), (s) => { s.version = 1; delete s.rng; });
    const plain = setup(0, { max_steps: 3 });
    plain.trainer.restore(plainV1, 'checkpoint-3');
    expect(plain.trainer.step).toBe(3);
    cleanup(src, other, plainSrc, plain);
  });

  it('refuses mismatched generator states without changing anything', async () => {
    const store = new MemoryCheckpointStore();
    const src = setup(0.25, { max_steps: 3 }, store);
    await losses(src.trainer);
    const files = await store.load('checkpoint-3');
    const noDrop = setup(0, { max_steps: 3 });
    const w = weights(noDrop.model);
    expect(() => noDrop.trainer.restore(files, 'checkpoint-3')).toThrow(/dropout generator state for layer 'fc1' adapter 'default', layer 'fc2'.*not a BOFT adapter with boft_dropout > 0/);
    expect(weights(noDrop.model)).toEqual(w);
    const dropped = setup(0.25, { max_steps: 3 });
    const key = dropoutRngKey('fc2', 'default');
    expect(() => dropped.trainer.restore(editState(files, (s) => { delete (s.rng as Record<string, number>)[key]; }), 'checkpoint-3')).toThrow(/no dropout generator state for layer 'fc2' adapter 'default'/);
    expect(() => dropped.trainer.restore(editState(files, (s) => { (s.rng as Record<string, number>)[key] = 1.5; }), 'checkpoint-3')).toThrow(/rng\['boft_dropout\/fc2\/default'\] must be a uint32, found 1.5/);
    expect(() => dropped.trainer.restore(editState(files, (s) => { s.version = 3; }), 'checkpoint-3')).toThrow(/version 1 or 2 .*version 3/);
    expect(dropped.trainer.step).toBe(0);
    cleanup(src, noDrop, dropped);
  });

  it('keeps numTensors flat over steps with dropout', async () => {
    const run = setup(0.25, { max_steps: 40, save_steps: 0 });
    const counts: number[] = [];
    await run.trainer.run((e) => { if (e.type === 'step' && (e.step === 5 || e.step === 40)) counts.push(tf.memory().numTensors); });
    expect(counts).toHaveLength(2);
    expect(counts[1]).toBe(counts[0]);
    cleanup(run);
  });
});
