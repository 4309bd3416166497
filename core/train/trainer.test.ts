// Trainer behaviour on a tiny two-layer classifier: exact resume, determinism, gradient
// accumulation, cancel/pause, early stopping, tensor hygiene.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { PretrainedModel, type InputName, type ModelInputs, type ModelOutput } from '../models/types';
import { Linear } from '../nn/layers/linear';
import type { ImageClassificationData } from '../data/dataset';
import { resolveTrainingArguments, type TrainingArguments } from './args';
import type { TrainEvent } from './events';
import { MemoryCheckpointStore } from './store';
import { classificationTask, imageSource } from './task';
import { Trainer } from './trainer';
import { Rng } from './rng';
import { trainEvents } from './stream';

class TinyNet extends PretrainedModel {
  readonly typeName = 'TinyNet';
  readonly config = {};
  readonly task = 'image-classification' as const;
  readonly requiredInputs: readonly InputName[] = ['pixel_values'];
  constructor(seed: number) {
    super();
    this.registerModule('fc1', new Linear(6, 8, { seed }));
    this.registerModule('fc2', new Linear(8, 3, { seed: seed + 1 }));
  }
  forward(inputs: ModelInputs): ModelOutput {
    const x = this.requireInput(inputs, 'pixel_values');
    return {
      logits: tf.tidy(() => {
        const h = tf.relu((this.child('fc1') as Linear).forward(x.reshape([x.shape[0], 6])));
        return (this.child('fc2') as Linear).forward(h);
      }),
    };
  }
}

/** Three Gaussian blobs in 6-D as [N, 1, 2, 3] "images". */
function blobs(n: number, seed: number): ImageClassificationData {
  const rng = new Rng(seed);
  const pixels = new Float32Array(n * 6);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 3;
    for (let j = 0; j < 6; j++) pixels[i * 6 + j] = (j % 3 === labels[i] ? 1.5 : 0) + (rng.next() - 0.5);
  }
  return { kind: 'image-classification', pixels, shape: [1, 2, 3], labels, classNames: ['a', 'b', 'c'] };
}

function setup(args: Partial<TrainingArguments>, store?: MemoryCheckpointStore): { trainer: Trainer; model: TinyNet } {
  const model = new TinyNet(7);
  const task = classificationTask(model, imageSource(blobs(40, 1)), imageSource(blobs(12, 2)));
  const a = resolveTrainingArguments({ learning_rate: 0.05, per_device_train_batch_size: 8, max_steps: 8, seed: 3, ...args });
  return { trainer: new Trainer({ task, args: a, store }), model };
}

async function losses(trainer: Trainer, onEvent: (e: TrainEvent) => void = () => {}): Promise<number[]> {
  const out: number[] = [];
  await trainer.run((e) => {
    if (e.type === 'step') out.push(e.loss);
    onEvent(e);
  });
  return out;
}

function cleanup(...xs: { trainer: Trainer; model: TinyNet }[]): void {
  for (const x of xs) { x.trainer.dispose(); x.model.dispose(); }
}

describe('Trainer', { timeout: 30_000 }, () => {
  it('is deterministic and its loss decreases', async () => {
    const a = setup({});
    const b = setup({});
    const la = await losses(a.trainer);
    expect(await losses(b.trainer)).toEqual(la);
    expect(la).toHaveLength(8);
    expect(la[7]).toBeLessThan(0.7 * la[0]);
    cleanup(a, b);
  }, 20_000);

  it('resumes from a checkpoint with exactly the losses of the uninterrupted run', async () => {
    const store = new MemoryCheckpointStore();
    const full = setup({ save_steps: 3, save_total_limit: 5 }, store);
    const all = await losses(full.trainer);
    expect(await store.list()).toEqual(['checkpoint-3', 'checkpoint-6', 'checkpoint-8']);
    const resumed = setup({ save_steps: 3, save_total_limit: 5 }, store);
    resumed.trainer.restore(await store.load('checkpoint-3'), 'checkpoint-3');
    expect(await losses(resumed.trainer)).toEqual(all.slice(3));
    cleanup(full, resumed);
  });

  it('gradient accumulation of 2×4 equals one batch of 8 (one step, 1e-6)', async () => {
    const acc = setup({ per_device_train_batch_size: 4, gradient_accumulation_steps: 2, max_steps: 1, max_grad_norm: 0 });
    const one = setup({ per_device_train_batch_size: 8, max_steps: 1, max_grad_norm: 0 });
    const [la] = await losses(acc.trainer);
    const [lb] = await losses(one.trainer);
    expect(Math.abs(la - lb)).toBeLessThan(1e-6);
    const wa = acc.model.namedParameters().map(([, p]) => [...p.dataSync()]).flat();
    const wb = one.model.namedParameters().map(([, p]) => [...p.dataSync()]).flat();
    expect(Math.max(...wa.map((x, i) => Math.abs(x - wb[i])))).toBeLessThan(1e-6);
    cleanup(acc, one);
  });

  it('cancel between steps leaves a checkpoint that restores', async () => {
    const store = new MemoryCheckpointStore();
    const run = setup({}, store);
    let cancelledAt: TrainEvent | undefined;
    const outcome = run.trainer.run((e) => {
      if (e.type === 'step' && e.step === 2) run.trainer.cancel();
      if (e.type === 'cancelled') cancelledAt = e;
    });
    expect(await outcome).toBe('cancelled');
    expect(cancelledAt).toEqual({ type: 'cancelled', step: 2, checkpoint: 'memory:checkpoint-2' });
    const again = setup({}, store);
    expect(await again.trainer.restoreLatest()).toBe('checkpoint-2');
    expect(again.trainer.step).toBe(2);
    expect([...again.model.namedParameters()[0][1].dataSync()]).toEqual([...run.model.namedParameters()[0][1].dataSync()]);
    cleanup(run, again);
  });

  it('refuses a checkpoint of another shape without changing the model', async () => {
    const store = new MemoryCheckpointStore();
    const src = setup({ save_steps: 2, max_steps: 2 }, store);
    await losses(src.trainer);
    const files = await store.load('checkpoint-2');
    const other = setup({ save_steps: 2, max_steps: 2, seed: 4 });
    const before = [...other.model.namedParameters()[0][1].dataSync()];
    expect(() => other.trainer.restore(files, 'checkpoint-2')).toThrow(/seed=3.*seed=4/);
    expect([...other.model.namedParameters()[0][1].dataSync()]).toEqual(before);
    cleanup(src, other);
  });

  it('pauses and resumes between steps', async () => {
    const run = setup({ max_steps: 4 });
    const types: string[] = [];
    const all = await losses(run.trainer, (e) => {
      types.push(e.type);
      if (e.type === 'step' && e.step === 1) {
        run.trainer.pause();
        setTimeout(() => run.trainer.resume(), 20);
      }
    });
    expect(all).toHaveLength(4);
    expect(types.slice(0, 4)).toEqual(['start', 'step', 'paused', 'resumed']);
    const ref = setup({ max_steps: 4 });
    expect(await losses(ref.trainer)).toEqual(all);
    cleanup(run, ref);
  });

  it('stops early when the metric does not improve by the threshold', async () => {
    const run = setup({ eval_steps: 1, early_stopping_patience: 2, early_stopping_threshold: 1e9 });
    const evals: number[] = [];
    let stop: TrainEvent | undefined;
    const outcome = await run.trainer.run((e) => {
      if (e.type === 'eval') evals.push(e.step);
      if (e.type === 'early-stop') stop = e;
    });
    expect(outcome).toBe('early-stopped');
    expect(evals).toEqual([1, 2, 3]);
    expect(stop).toMatchObject({ step: 3, metric: 'eval_loss' });
    cleanup(run);
  });

  it('streams the same events as an async iterator', async () => {
    const a = setup({ max_steps: 3 });
    const viaCallback: string[] = [];
    await a.trainer.run((e) => viaCallback.push(e.type));
    const b = setup({ max_steps: 3 });
    const viaIterator: string[] = [];
    let outcome = '';
    for await (const e of trainEvents(b.trainer, (o) => (outcome = o))) viaIterator.push(e.type);
    expect(viaIterator).toEqual(viaCallback);
    expect(viaIterator).toEqual(['start', 'step', 'step', 'step', 'eval', 'done']);
    expect(outcome).toBe('completed');
    cleanup(a, b);
  });

  it('keeps tf.memory().numTensors flat over 200 steps', async () => {
    const run = setup({ max_steps: 200, per_device_train_batch_size: 4, gradient_accumulation_steps: 2, eval_steps: 100 });
    const counts: number[] = [];
    await run.trainer.run((e) => {
      if (e.type === 'step' && (e.step === 10 || e.step === 200)) counts.push(tf.memory().numTensors);
    });
    expect(counts).toHaveLength(2);
    expect(counts[1]).toBe(counts[0]);
    cleanup(run);
  }, 30_000);
});
