// `boft train <run.json>`: finetunes a model folder with BOFT as run.json describes, writing
// to output_dir: adapter/ (PEFT format), checkpoints/, metrics.jsonl, loss_curve.svg and
// run_bundle.json (config, seed, versions, backend, hashes). Ctrl-C checkpoints and exits.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { parseCli, UsageError, type CliCommand, type CliIO } from './types';
import { initBackend, parseBackend } from '../backend';
import { loadPretrainedModel } from '../checkpoint';
import { writeAdapterDir } from '../adapter-fs';
import { loadDatasets, taskFor, type LoadedData } from '../datasets';
import { DiskCheckpointStore, JsonlWriter, ProgressBar } from '../train-files';
import { getPeftModel, type BOFTModel } from '../../boft/model';
import { adapterNamingFor, serializeAdapter, ADAPTER_CONFIG_NAME, ADAPTER_WEIGHTS_NAME, type AdapterNaming } from '../../io/peft';
import { parseRunSpec, type RunSpec } from '../../train/run-spec';
import { Trainer, type TrainOutcome } from '../../train/trainer';
import { boftDiagnostics } from '../../train/diagnostics';
import { lossCurveSvg, type CurvePoint } from '../../train/loss-curve';
import type { EvalMetrics, TrainEvent } from '../../train/events';
import type { PretrainedModel } from '../../models/types';
import type { TrainTask } from '../../train/task';

const usage = `usage: boft train <run.json> [--backend auto|wasm|cpu|tensorflow] [--resume] [--output <dir>] [--max-steps N]

run.json: {"model": <model dir>, "dataset": {...}, "boft": {BOFTConfig fields},
           "training": {TrainingArguments fields}, "output_dir": <dir>}  (paths relative to run.json)
Writes <output_dir>/adapter, checkpoints/, metrics.jsonl, loss_curve.svg, run_bundle.json.
--resume continues from the newest checkpoint in <output_dir>/checkpoints (same losses as an
uninterrupted run). Ctrl-C saves a checkpoint and exits cleanly.`;

export interface TrainOptions {
  backend?: string;
  resume?: boolean;
  output?: string;
  maxSteps?: number;
  /** Ctrl-C handling (off in tests). */
  handleSigint?: boolean;
  progress?: boolean;
  /** Every trainer event, after it is recorded (the studio worker forwards these). */
  onEvent?: (e: TrainEvent) => void;
  /** The trainer, once built: a host calls pause()/resume()/cancel() on it. */
  onTrainer?: (t: Trainer) => void;
}

export interface TrainResult {
  outcome: TrainOutcome;
  outDir: string;
  backend: string;
  spec: RunSpec;
  before: EvalMetrics | null;
  after: EvalMetrics | null;
  trainable: { trainable: number; total: number; percent: number };
  /** The trained model (adapter injected, not merged); the caller disposes it. */
  bm: BOFTModel;
  model: PretrainedModel;
  task: TrainTask;
  data: LoadedData;
}

function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Hashes of the model folder's config and weight files. */
function modelHashes(dir: string): Record<string, string> {
  const files = readdirSync(dir).filter((f) => f === 'config.json' || f.endsWith('.safetensors') || f.endsWith('.index.json')).sort();
  return Object.fromEntries(files.map((f) => [f, sha256File(join(dir, f))]));
}

function packageVersion(): string {
  const p = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return p.version;
}

interface Recorder {
  onEvent(e: TrainEvent): void;
  train: CurvePoint[];
  evals: CurvePoint[];
}

function recorder(outDir: string, append: boolean, bar: ProgressBar | null, io: CliIO): Recorder {
  const metrics = new JsonlWriter(join(outDir, 'metrics.jsonl'), append);
  const r: Recorder = {
    train: [], evals: [],
    onEvent(e) {
      metrics.write({ ...e, time: new Date().toISOString() });
      if (e.type === 'step') { r.train.push({ step: e.step, value: e.loss }); bar?.update(e.step, e.totalSteps, e.loss, e.samplesPerSec, e.etaSec); }
      if (e.type === 'eval') { r.evals.push({ step: e.step, value: e.metrics.eval_loss }); bar?.breakLine(); io.err(`eval @ ${e.step}: ${formatMetrics(e.metrics)}`); }
      if (e.type === 'checkpoint') { bar?.breakLine(); io.err(`checkpoint ${e.location}`); }
      if (e.type === 'early-stop') io.err(`early stop at step ${e.step}: ${e.metric} best ${e.best.toFixed(4)}`);
    },
  };
  return r;
}

export function formatMetrics(m: EvalMetrics): string {
  const parts = [`loss ${m.eval_loss.toFixed(4)}`];
  if (m.eval_accuracy !== undefined) parts.push(`accuracy ${(100 * m.eval_accuracy).toFixed(2)}%`);
  if (m.eval_perplexity !== undefined) parts.push(`perplexity ${m.eval_perplexity.toFixed(3)}`);
  return `${parts.join(', ')} (${m.eval_samples} examples)`;
}

function readSpec(runPath: string, opts: TrainOptions): { spec: RunSpec; baseDir: string; outDir: string; modelDir: string } {
  if (!existsSync(runPath)) throw new Error(`${runPath}: file not found`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(runPath, 'utf8'));
  } catch (e) {
    throw new Error(`${runPath}: invalid JSON (${(e as Error).message})`);
  }
  const spec = parseRunSpec(json, runPath);
  if (opts.maxSteps !== undefined) spec.training = { ...spec.training, max_steps: opts.maxSteps };
  const baseDir = dirname(resolve(runPath));
  return { spec, baseDir, outDir: opts.output ? resolve(opts.output) : resolve(baseDir, spec.output_dir), modelDir: resolve(baseDir, spec.model) };
}

/** Installs a SIGINT handler that cancels the trainer (a second Ctrl-C exits at once). */
function onCtrlC(trainer: Trainer, io: CliIO): () => void {
  let count = 0;
  const handler = (): void => {
    count += 1;
    if (count > 1) process.exit(130);
    io.err('\ninterrupted: finishing the current step and saving a checkpoint (Ctrl-C again to abort)');
    trainer.cancel();
  };
  process.on('SIGINT', handler);
  return () => process.off('SIGINT', handler);
}

/** The adapter in PEFT format as checkpoint files (file-side module names). */
function adapterExporter(bm: BOFTModel, naming: AdapterNaming): () => Promise<Map<string, Uint8Array>> {
  return async () => {
    const f = await serializeAdapter(bm, 'default', naming.toFile);
    return new Map([[ADAPTER_CONFIG_NAME, new TextEncoder().encode(f.configText)], [ADAPTER_WEIGHTS_NAME, f.weights]]);
  };
}

/** Restores the newest checkpoint when asked, saying what happened. */
async function maybeResume(trainer: Trainer, io: CliIO, resume: boolean): Promise<string | null> {
  if (!resume) return null;
  const from = await trainer.restoreLatest();
  io.err(from ? `resumed from ${from}` : 'no checkpoint to resume from; starting at step 0');
  return from;
}

async function runTrainer(trainer: Trainer, rec: Recorder, io: CliIO, opts: TrainOptions): Promise<TrainOutcome> {
  const detach = opts.handleSigint ? onCtrlC(trainer, io) : () => {};
  opts.onTrainer?.(trainer);
  try {
    return await trainer.run((e) => { rec.onEvent(e); opts.onEvent?.(e); });
  } finally {
    detach();
    trainer.dispose();
  }
}

interface RunFacts {
  runPath: string;
  spec: RunSpec;
  outDir: string;
  modelDir: string;
  backend: string;
  outcome: TrainOutcome;
  data: LoadedData;
  before: EvalMetrics | null;
  after: EvalMetrics | null;
}

/** loss_curve.svg and run_bundle.json. */
function writeReport(f: RunFacts, rec: Recorder, summary: TrainResult['trainable']): void {
  writeFileSync(join(f.outDir, 'loss_curve.svg'), lossCurveSvg(f.spec.name ?? 'BOFT training loss', [
    { name: 'train loss', color: '#1f77b4', points: rec.train }, { name: 'eval loss', color: '#d62728', points: rec.evals }]));
  writeFileSync(join(f.outDir, 'run_bundle.json'), JSON.stringify({
    run: f.spec.name ?? null, run_json: resolve(f.runPath), outcome: f.outcome, seed: f.spec.training.seed, backend: f.backend,
    versions: { 'boft-studio': packageVersion(), tfjs: tf.version_core, node: process.version },
    boft: f.spec.boft.toAdapterConfigJson({ saved: false }), training: f.spec.training, dataset: f.spec.dataset,
    dataset_sha256: f.data.log.digest(), dataset_files: f.data.log.files, base_model: f.modelDir, base_model_sha256: modelHashes(f.modelDir),
    metrics_before: f.before, metrics_after: f.after, trainable: summary,
  }, null, 2) + '\n');
}

/** The whole run; also used by `boft demo`, the studio worker and tests. */
export async function trainRun(runPath: string, io: CliIO, opts: TrainOptions = {}): Promise<TrainResult> {
  const { spec, baseDir, outDir, modelDir } = readSpec(runPath, opts);
  const backend = await initBackend(parseBackend(opts.backend ?? spec.backend));
  io.err(`backend: ${backend}`);
  const { model, config } = loadPretrainedModel(modelDir);
  try {
    model.train();
    const data = loadDatasets(spec.dataset, baseDir, modelDir, model, spec.training.seed);
    const task = taskFor(model, spec.dataset, data, modelDir);
    const eb = spec.training.per_device_eval_batch_size;
    const before = task.evaluate(eb);
    const bm = getPeftModel(model, spec.boft, 'default', { seed: spec.training.seed });
    const naming = adapterNamingFor(typeof config.model_type === 'string' ? config.model_type : undefined);
    mkdirSync(outDir, { recursive: true });
    const store = new DiskCheckpointStore(join(outDir, 'checkpoints'));
    const trainer = new Trainer({ task, args: spec.training, store, exportAdapter: adapterExporter(bm, naming), diagnostics: () => boftDiagnostics(bm) });
    const resumedFrom = await maybeResume(trainer, io, opts.resume === true);
    const rec = recorder(outDir, resumedFrom !== null, opts.progress === false ? null : new ProgressBar(), io);
    const outcome = await runTrainer(trainer, rec, io, opts);
    const after = outcome === 'cancelled' ? null : task.evaluate(eb);
    await writeAdapterDir(join(outDir, 'adapter'), await serializeAdapter(bm, 'default', naming.toFile));
    const summary = bm.trainableParameters();
    writeReport({ runPath, spec, outDir, modelDir, backend, outcome, data, before, after }, rec, summary);
    return { outcome, outDir, backend, spec, before, after, trainable: summary, bm, model, task, data };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

export const command: CliCommand = {
  name: 'train',
  summary: 'finetune a model with BOFT as run.json describes',
  usage,
  async run(argv, io) {
    const { positionals, values } = parseCli(argv, { backend: { type: 'string' }, resume: { type: 'boolean' }, output: { type: 'string' }, 'max-steps': { type: 'string' } });
    if (positionals.length !== 1) throw new UsageError(`expected <run.json>, got ${positionals.length} argument(s)`);
    const maxSteps = typeof values['max-steps'] === 'string' ? Number(values['max-steps']) : undefined;
    if (maxSteps !== undefined && !(Number.isInteger(maxSteps) && maxSteps > 0)) throw new UsageError(`--max-steps ${String(values['max-steps'])} must be a positive integer`);
    const r = await trainRun(positionals[0], io, {
      backend: typeof values.backend === 'string' ? values.backend : undefined, resume: values.resume === true,
      output: typeof values.output === 'string' ? values.output : undefined, maxSteps, handleSigint: true,
    });
    if (r.before) io.out(`before: ${formatMetrics(r.before)}`);
    if (r.after) io.out(`after:  ${formatMetrics(r.after)}`);
    io.out(`${r.outcome}; adapter in ${join(r.outDir, 'adapter')}`);
    r.model.dispose();
    return r.outcome === 'cancelled' ? 130 : 0;
  },
};
