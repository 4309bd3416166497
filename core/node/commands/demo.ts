// `boft demo`: the embedded sample end to end, headless — accuracy before, BOFT finetuning,
// accuracy after, the trainable share, saving the adapter, reloading it into a fresh base
// model, and merging it (merged vs adapter logits compared on the validation set).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { parseCli, UsageError, type CliCommand, type CliIO } from './types';
import { trainRun } from './train';
import { fromPretrained } from '../adapter-fs';
import { loadPretrainedModel } from '../checkpoint';
import { classificationMetrics, imageSource } from '../../train/task';
import { saveDigitMlp, DigitMLP } from '../../train/sample/digit-mlp';
import type { ImageClassificationData } from '../../data/dataset';
import type { PretrainedModel } from '../../models/types';

export const SAMPLE_PROJECT = resolve(new URL('../../../assets/sample/project.json', import.meta.url).pathname);

const usage = `usage: boft demo [--backend auto|wasm|cpu] [--output <dir>] [--max-steps N]

Finetunes the embedded sample (assets/sample/project.json) with BOFT and reports accuracy
before/after, the trainable-parameter share, the saved adapter (reloaded into a fresh base
model) and the merged model's agreement with the adapter.`;

export interface DemoReport {
  before: number;
  after: number;
  trainablePercent: number;
  adapterDir: string;
  mergedDir: string;
  /** Accuracy of a fresh base model with the saved adapter loaded from disk. */
  reloadedAccuracy: number;
  /** max |logits(merged) − logits(adapter)| over the validation set. */
  mergeMaxAbsDiff: number;
  seconds: number;
}

function allLogits(model: PretrainedModel, d: ImageClassificationData): Float32Array {
  const idx = Int32Array.from({ length: d.labels.length }, (_, i) => i);
  return tf.tidy(() => model.forward(imageSource(d).inputs(idx)).logits.dataSync() as Float32Array);
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export async function runDemo(io: CliIO, opts: { backend?: string; output?: string; maxSteps?: number; progress?: boolean; handleSigint?: boolean } = {}): Promise<DemoReport> {
  const t0 = performance.now();
  const r = await trainRun(SAMPLE_PROJECT, io, { handleSigint: true, ...opts });
  try {
    const val = r.data.validation;
    if (r.outcome === 'cancelled') throw new Error(`cancelled; checkpoint in ${join(r.outDir, 'checkpoints')}`);
    if (!val || val.kind !== 'image-classification' || r.before?.eval_accuracy === undefined || r.after?.eval_accuracy === undefined) {
      throw new Error('the sample run produced no validation accuracy');
    }
    const adapterDir = join(r.outDir, 'adapter');
    r.model.eval();
    // The unmerged forward rotates activations (x·M); the merged one uses W·Mᵀ⊙s: two computations.
    for (const [, layer] of r.bm.boftLayers()) layer.rotationPath = 'activation';
    const adapted = allLogits(r.model, val);
    const fresh = loadPretrainedModel(resolve(SAMPLE_PROJECT, '..', r.spec.model)).model;
    let reloadedAccuracy: number;
    try {
      await fromPretrained(fresh, adapterDir);
      reloadedAccuracy = classificationMetrics(fresh, imageSource(val), 512).eval_accuracy ?? NaN;
    } finally {
      fresh.dispose();
    }
    const merged = r.bm.mergeAndUnload({ safeMerge: true }) as DigitMLP;
    const mergeMaxAbsDiff = maxAbsDiff(allLogits(merged, val), adapted);
    const mergedDir = join(r.outDir, 'merged');
    mkdirSync(mergedDir, { recursive: true });
    for (const [name, bytes] of await saveDigitMlp(merged)) writeFileSync(join(mergedDir, name), bytes);
    return {
      before: r.before.eval_accuracy, after: r.after.eval_accuracy, trainablePercent: r.trainable.percent, adapterDir, mergedDir,
      reloadedAccuracy, mergeMaxAbsDiff, seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    r.model.dispose();
  }
}

export function formatDemo(rep: DemoReport): string[] {
  const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
  return [
    `validation accuracy before BOFT: ${pct(rep.before)}`,
    `validation accuracy after BOFT:  ${pct(rep.after)}`,
    `trainable parameters: ${rep.trainablePercent.toFixed(2)}% of the model`,
    `adapter saved to ${rep.adapterDir}; reloaded into a fresh base model: ${pct(rep.reloadedAccuracy)}`,
    `merged model in ${rep.mergedDir}; max |merged − adapter| logit difference: ${rep.mergeMaxAbsDiff.toExponential(2)}`,
    `total time ${rep.seconds.toFixed(1)} s`,
  ];
}

export const command: CliCommand = {
  name: 'demo',
  summary: 'finetune the embedded sample with BOFT, headless, and merge the adapter',
  usage,
  async run(argv, io) {
    const { positionals, values } = parseCli(argv, { backend: { type: 'string' }, output: { type: 'string' }, 'max-steps': { type: 'string' } });
    if (positionals.length) throw new UsageError(`unexpected argument(s): ${positionals.join(' ')}`);
    const maxSteps = typeof values['max-steps'] === 'string' ? Number(values['max-steps']) : undefined;
    if (maxSteps !== undefined && !(Number.isInteger(maxSteps) && maxSteps > 0)) throw new UsageError(`--max-steps must be a positive integer`);
    const rep = await runDemo(io, {
      backend: typeof values.backend === 'string' ? values.backend : undefined,
      output: typeof values.output === 'string' ? values.output : undefined,
      maxSteps,
    });
    for (const line of formatDemo(rep)) io.out(line);
    return 0;
  },
};
