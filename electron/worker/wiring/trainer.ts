// Training from the studio on core/train's Trainer, the loop `boft train` uses: the same
// datasets (core/node/datasets), checkpoints (DiskCheckpointStore) and BOFT diagnostics.
// This file only translates the contract's names to core's and core's events to the sink.
import { mkdirSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { dirname, join } from 'node:path';
import { resolveTrainingArguments, type TrainingArguments } from '../../../core/train/args';
import { Trainer as CoreTrainer } from '../../../core/train/trainer';
import { boftDiagnostics } from '../../../core/train/diagnostics';
import type { TrainEvent } from '../../../core/train/events';
import type { DatasetSpec as CoreDataset } from '../../../core/train/run-spec';
import { loadDatasets, taskFor } from '../../../core/node/datasets';
import type { Dataset } from '../../../core/data/dataset';
import { DiskCheckpointStore } from '../../../core/node/train-files';
import { writeAdapterDir } from '../../../core/node/adapter-fs';
import { ADAPTER_CONFIG_NAME, ADAPTER_WEIGHTS_NAME, adapterNamingFor, serializeAdapter } from '../../../core/io/peft';
import { PretrainedModel } from '../../../core/models/types';
import type { BOFTModel } from '../../../core/boft/model';
import { StudioError } from '../../shared/contract';
import type { DatasetSpec, HyperParams } from '../../shared/schemas';
import type { Trainer, TrainingJob, TrainingOutcome, TrainingRequest, TrainingSink } from '../ports';
import { CoreAdapters } from './adapters';
import { heldOutOf, type HeldOutSource } from './held-out';

/** Studio runs default to seed 0 (the editor's default); the sample's split then matches. */
export const DEFAULT_SEED = 0;

/** The run's own validation split becomes the merge check's held-out batch. */
function heldOutSource(validation: Dataset | null, modelDir: string, spec: CoreDataset): HeldOutSource | null {
  if (!validation) return null;
  const maxLength = spec.kind === 'text-classification' ? spec.max_length : undefined;
  return () => heldOutOf(validation, modelDir, maxLength);
}

export const SAMPLE_DATASET: CoreDataset = { kind: 'image-tensors', path: 'data/optdigits.safetensors', validation_split: 0.3 };

function bad(message: string): never {
  throw new StudioError('INVALID_CONFIG', message);
}

/** The contract's dataset → core's, with paths resolved against `baseDir`. */
export function coreDataset(d: DatasetSpec): CoreDataset {
  switch (d.kind) {
    case 'sample':
      return SAMPLE_DATASET;
    case 'imageFolder':
      return { kind: 'image-folder', path: d.path, validation_split: d.validationSplit };
    case 'textClassification': {
      const format = d.format ?? (d.path.endsWith('.csv') ? 'csv' : d.path.endsWith('.jsonl') ? 'jsonl' : null);
      if (!format) bad(`dataset ${d.path}: format must be csv or jsonl (give dataset.format; the extension does not say)`);
      return { kind: 'text-classification', format, path: d.path, validation_split: d.validationSplit, text_field: d.textField, label_field: d.labelField, max_length: d.maxLength };
    }
    case 'causalLm': {
      if (d.blockSize === undefined) bad(`dataset ${d.path}: causal LM training needs dataset.blockSize (tokens per training block)`);
      const format = d.format ?? (d.path.endsWith('.jsonl') ? 'jsonl' : 'text');
      return { kind: 'causal-lm', format, path: d.path, validation_split: d.validationSplit, text_field: d.textField, block_size: d.blockSize };
    }
    default: {
      const never: never = d;
      return bad(`unknown dataset ${JSON.stringify(never)}`);
    }
  }
}

/** The contract's hyperparameters → transformers-style TrainingArguments (core's names). */
export function trainingArguments(h: HyperParams): TrainingArguments {
  if (h.maxSteps === undefined && h.epochs === undefined) bad('training needs hyper.maxSteps or hyper.epochs');
  const active = tf.getBackend();
  if (h.backend !== undefined && h.backend !== 'auto' && h.backend !== active) {
    bad(`hyper.backend='${h.backend}' but the core runs on '${active}' (chosen at start: boft serve --backend ${h.backend}); valid here: auto, ${active}`);
  }
  return resolveTrainingArguments({
    seed: h.seed,
    learning_rate: h.learningRate,
    max_steps: h.maxSteps ?? -1,
    ...(h.epochs !== undefined ? { num_train_epochs: h.epochs } : {}),
    per_device_train_batch_size: h.batchSize,
    gradient_accumulation_steps: h.gradAccumulation,
    weight_decay: h.weightDecay,
    // transformers' convention: clipping is on when max_grad_norm > 0; null means off.
    max_grad_norm: h.maxGradNorm ?? 0,
    // The studio's "constant" honours warmup, as its editor shows; transformers spells that constant_with_warmup.
    lr_scheduler_type: h.schedule === 'constant' && h.warmupSteps > 0 ? 'constant_with_warmup' : h.schedule,
    warmup_steps: h.warmupSteps,
    eval_steps: h.evalEvery,
    save_steps: h.checkpointEvery,
    early_stopping_patience: h.earlyStoppingPatience ?? 0,
    diagnostics_steps: h.diagnosticsEvery ?? h.evalEvery,
  });
}

const finiteOrNull = (v: number | undefined): number | null | undefined => (v === undefined ? undefined : Number.isFinite(v) ? v : null);

/** Core's event → the sink; returns the outcome for terminal events. */
function forward(e: TrainEvent, sink: TrainingSink, runId: string, t0: number): void {
  switch (e.type) {
    case 'step':
      return sink.step({
        step: e.step, totalSteps: e.totalSteps, epoch: e.epoch, loss: finiteOrNull(e.loss) ?? null, lr: e.lr,
        gradNorm: finiteOrNull(e.gradNorm) ?? null, samplesPerSec: e.samplesPerSec, etaSec: Number.isFinite(e.etaSec) ? e.etaSec : null,
        elapsedSec: (Date.now() - t0) / 1000,
      });
    case 'eval': {
      const m = e.metrics;
      const metrics = { step: e.step, loss: finiteOrNull(m.eval_loss) ?? null, accuracy: finiteOrNull(m.eval_accuracy), perplexity: finiteOrNull(m.eval_perplexity) };
      return sink.eval(metrics);
    }
    case 'diagnostics':
      return sink.diagnostics(e.step, e.layers.map((l) => ({
        path: l.path, qMinusINorm: finiteOrNull(l.qMinusI) ?? null, orthoError: finiteOrNull(l.orthError) ?? null, scaleDrift: finiteOrNull(l.sDrift) ?? null,
      })));
    case 'checkpoint':
      return sink.checkpoint({ runId, step: e.step, path: e.location });
    default:
      return; // start/paused/resumed/done/cancelled/error are reflected in run.state by the service
  }
}

function setUp(req: TrainingRequest, sampleDir: string, home: string) {
  const root = req.model.root;
  if (!(root instanceof PretrainedModel)) bad(`model ${req.model.name} is not a zoo model with a training task`);
  if (!(req.adapters instanceof CoreAdapters)) throw new StudioError('INTERNAL', 'training needs the core adapter engine');
  const modelDir = req.model.source.kind === 'folder' ? req.model.source.path : join(sampleDir, 'model');
  const baseDir = req.dataset.kind === 'sample' ? sampleDir : modelDir;
  const spec = coreDataset(req.dataset);
  const args = trainingArguments(req.hyper);
  const runDir = req.resumeFrom ? dirname(dirname(req.resumeFrom.path)) : join(home, 'runs', req.runId);
  mkdirSync(runDir, { recursive: true });
  let data: ReturnType<typeof loadDatasets>;
  try {
    data = loadDatasets(spec, baseDir, modelDir, root, args.seed);
  } catch (e) {
    throw new StudioError('IO', (e as Error).message);
  }
  const bm = req.adapters.addAdapter(req.adapterName, req.config, req.runId);
  req.adapters.useHeldOut(heldOutSource(data.validation, modelDir, spec));
  root.train();
  return { root, bm, args, runDir, task: taskFor(root, spec, data, modelDir) };
}

function adapterFiles(bm: BOFTModel, name: string, modelType: string | undefined) {
  return async (): Promise<Map<string, Uint8Array>> => {
    const f = await serializeAdapter(bm, name, adapterNamingFor(modelType).toFile);
    return new Map([[ADAPTER_CONFIG_NAME, new TextEncoder().encode(f.configText)], [ADAPTER_WEIGHTS_NAME, f.weights]]);
  };
}

export function coreTrainer(home: string, sampleDir: string): Trainer {
  return {
    start(req: TrainingRequest, sink: TrainingSink): TrainingJob {
      const { root, bm, args, runDir, task } = setUp(req, sampleDir, home);
      const exportAdapter = adapterFiles(bm, req.adapterName, req.model.modelType);
      const trainer = new CoreTrainer({ task, args, store: new DiskCheckpointStore(join(runDir, 'checkpoints')), exportAdapter, diagnostics: () => boftDiagnostics(bm) });
      const t0 = Date.now();
      const done = (async (): Promise<TrainingOutcome> => {
        try {
          if (req.resumeFrom) await trainer.restoreLatest();
          const outcome = await trainer.run((e) => forward(e, sink, req.runId, t0));
          const files = await exportAdapter();
          await writeAdapterDir(join(runDir, 'adapter'), { configText: new TextDecoder().decode(files.get(ADAPTER_CONFIG_NAME)), weights: files.get(ADAPTER_WEIGHTS_NAME) as Uint8Array });
          return { state: outcome === 'cancelled' ? 'cancelled' : 'completed', bundlePath: runDir };
        } finally {
          trainer.dispose();
          root.eval();
        }
      })();
      return { pause: () => trainer.pause(), resume: () => trainer.resume(), cancel: () => trainer.cancel(), done };
    },
  };
}
