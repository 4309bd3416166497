// The embedded sample with BOFT on the current backend: the loss decreases, resume is exact,
// a cancelled run leaves a checkpoint that loads as a PEFT adapter into a fresh base model.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { loadDigitMlp, type DigitMLP } from './digit-mlp';
import { parseImageTensors } from '../../data/tensors';
import { subset, type ImageClassificationData } from '../../data/dataset';
import { trainValidationSplit } from '../../data/split';
import { BOFTConfig } from '../../boft/config';
import { getPeftModel, type BOFTModel } from '../../boft/model';
import { fromPretrainedParsed } from '../../boft/load';
import { parseAdapterFiles, serializeAdapter, ADAPTER_CONFIG_NAME, ADAPTER_WEIGHTS_NAME } from '../../io/peft';
import { resolveTrainingArguments, type TrainingArguments } from '../args';
import { Trainer } from '../trainer';
import { MemoryCheckpointStore } from '../store';
import { classificationMetrics, classificationTask, imageSource } from '../task';
import { boftDiagnostics } from '../diagnostics';

const root = new URL('../../../assets/sample/', import.meta.url);
const project = JSON.parse(readFileSync(new URL('project.json', root), 'utf8')) as { boft: Record<string, unknown>; training: Record<string, unknown> };
const data = parseImageTensors(readFileSync(new URL('data/optdigits.safetensors', root)), 'optdigits.safetensors');
const split = trainValidationSplit(data.labels.length, 0.3, 42);
// Small subsets keep the cpu backend fast; the full run is `boft demo`.
const train = subset(data, split.train.subarray(0, 256)) as ImageClassificationData;
const val = subset(data, split.validation.subarray(0, 200)) as ImageClassificationData;

function baseModel(): DigitMLP {
  return loadDigitMlp(JSON.parse(readFileSync(new URL('model/config.json', root), 'utf8')), readFileSync(new URL('model/model.safetensors', root)), 'assets/sample/model');
}

function setup(args: Partial<TrainingArguments>, store?: MemoryCheckpointStore): { bm: BOFTModel; trainer: Trainer; model: DigitMLP } {
  const model = baseModel();
  const bm = getPeftModel(model, new BOFTConfig(project.boft), 'default', { seed: 42 });
  const exportAdapter = async (): Promise<Map<string, Uint8Array>> => {
    const f = await serializeAdapter(bm);
    return new Map([[ADAPTER_CONFIG_NAME, new TextEncoder().encode(f.configText)], [ADAPTER_WEIGHTS_NAME, f.weights]]);
  };
  const a = resolveTrainingArguments({ ...project.training, per_device_eval_batch_size: 200, eval_steps: 0, save_steps: 0, ...args });
  const trainer = new Trainer({ task: classificationTask(model, imageSource(train), imageSource(val)), args: a, store, exportAdapter, diagnostics: () => boftDiagnostics(bm) });
  return { bm, trainer, model };
}

describe('sample project (BOFT on DigitMLP, optdigits)', { timeout: 60_000 }, () => {
  it('the committed base model reads optdigits clearly worse than MNIST (numbers of pretraining.json)', () => {
    const pre = JSON.parse(readFileSync(new URL('model/pretraining.json', root), 'utf8')) as { mnist_test_accuracy: number; optdigits_accuracy_before_finetuning: number };
    const model = baseModel();
    const acc = classificationMetrics(model, imageSource(data), 512).eval_accuracy!;
    model.dispose();
    expect(Math.abs(acc - pre.optdigits_accuracy_before_finetuning)).toBeLessThanOrEqual(1 / 1797);
    expect(pre.mnist_test_accuracy).toBeGreaterThan(0.95);
    expect(acc).toBeLessThan(pre.mnist_test_accuracy - 0.2);
  });

  it('loss and validation loss decrease; diagnostics move away from the identity', async () => {
    const { trainer, model } = setup({ max_steps: 24, diagnostics_steps: 24 });
    const before = trainer.evaluate()!;
    const losses: number[] = [];
    let diag: { qMinusI: number; orthError: number; sDrift: number }[] = [];
    await trainer.run((e) => {
      if (e.type === 'step') losses.push(e.loss);
      if (e.type === 'diagnostics') diag = e.layers;
    });
    const after = trainer.evaluate()!;
    const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean(losses.slice(-6))).toBeLessThan(0.6 * mean(losses.slice(0, 6)));
    expect(after.eval_loss).toBeLessThan(0.7 * before.eval_loss);
    expect(after.eval_accuracy!).toBeGreaterThan(before.eval_accuracy! + 0.1);
    expect(diag).toHaveLength(2);
    for (const l of diag) {
      expect(l.qMinusI).toBeGreaterThan(1e-3);
      expect(l.orthError).toBeLessThan(1e-5);
      expect(l.sDrift).toBeGreaterThan(0);
    }
    trainer.dispose();
    model.dispose();
  }, 60_000);

  it('resume from a checkpoint gives exactly the uninterrupted losses', async () => {
    const store = new MemoryCheckpointStore();
    const full = setup({ max_steps: 6, save_steps: 3 }, store);
    const all: number[] = [];
    await full.trainer.run((e) => void (e.type === 'step' && all.push(e.loss)));
    const again = setup({ max_steps: 6, save_steps: 3 });
    again.trainer.restore(await store.load('checkpoint-3'), 'checkpoint-3');
    const rest: number[] = [];
    await again.trainer.run((e) => void (e.type === 'step' && rest.push(e.loss)));
    expect(rest).toEqual(all.slice(3));
    [full, again].forEach((x) => { x.trainer.dispose(); x.model.dispose(); });
  }, 60_000);

  it('a cancelled run leaves a checkpoint that loads as a PEFT adapter with the same outputs', async () => {
    const store = new MemoryCheckpointStore();
    const run = setup({ max_steps: 50 }, store);
    await run.trainer.run((e) => void (e.type === 'step' && e.step === 4 && run.trainer.cancel()));
    expect(await store.list()).toEqual(['checkpoint-4']);
    const files = await store.load('checkpoint-4');
    const parsed = parseAdapterFiles({ configText: new TextDecoder().decode(files.get(ADAPTER_CONFIG_NAME)), weights: files.get(ADAPTER_WEIGHTS_NAME)! }, 'checkpoint-4');
    const fresh = baseModel();
    fromPretrainedParsed(fresh, parsed);
    const x = imageSource(val).inputs(Int32Array.from({ length: 16 }, (_, i) => i));
    run.model.eval();
    fresh.eval();
    const a = run.model.forward(x).logits;
    const b = fresh.forward(x).logits;
    expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBe(0);
    tf.dispose([a, b, x.pixel_values!]);
    run.trainer.dispose();
    run.model.dispose();
    fresh.dispose();
  }, 60_000);
});
