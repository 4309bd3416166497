// Payload schemas of the studio contract (see contract.ts for the channel list).
// These check structure and types only; BOFT semantics (block sizes, factors, matching
// rules) are validated by core/boft, whose named errors come back as typed results.
import { z } from 'zod';
import { BIAS_MODES } from './boft-config';

const int = z.number().int();
const nonNegInt = int.min(0);
const finite = z.number().finite();
/** Metrics can legitimately diverge; NaN/Infinity do not survive JSON, so they travel as null. */
const metric = z.number().finite().nullable();

// ---------------------------------------------------------------- errors and results

export const errorCodeSchema = z.enum([
  'INVALID_REQUEST', // payload failed the contract schema (details: issues)
  'INVALID_CONFIG', // core rejected a BOFT/training setting (message names layer, shape, values, alternatives)
  'NO_MODEL', // an operation needs an open model
  'NOT_FOUND', // adapter/run/project/path does not exist
  'BUSY', // another exclusive operation (training, export, merge) is running
  'CANCELLED', // the request was cancelled by the client
  'UNSUPPORTED', // not available in this mode (e.g. native dialogs in browser mode)
  'NOT_WIRED', // the core part behind this call is not connected in this build
  'IO', // file system error
  'WORKER_CRASHED', // the core host died while the request was in flight
  'FORBIDDEN', // sender or origin not allowed
  'DISCONNECTED', // the transport closed before the response arrived
  'INTERNAL', // a bug: unexpected exception
]);
export type ErrorCode = z.infer<typeof errorCodeSchema>;

export const studioErrorSchema = z.object({
  code: errorCodeSchema,
  message: z.string(),
  details: z.unknown().optional(),
});
export type StudioErrorData = z.infer<typeof studioErrorSchema>;

// ---------------------------------------------------------------- model and module tree

export const backendNameSchema = z.enum(['tensorflow', 'wasm', 'cpu', 'webgpu', 'webgl']);

export const modelSourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('sample') }),
  z.object({ kind: z.literal('folder'), path: z.string().min(1) }),
]);
export type ModelSource = z.infer<typeof modelSourceSchema>;

export const modelSummarySchema = z.object({
  /** Display name (config name_or_path or folder name). */
  name: z.string(),
  source: modelSourceSchema,
  /** e.g. 'vit', 'gpt2', 'sample-mlp'. */
  architecture: z.string(),
  numModules: nonNegInt,
  numParams: nonNegInt,
  trainableParams: nonNegInt,
  /** Dotted paths of the modules BOFT can adapt (Linear, Conv2d, Conv1D). */
  adaptablePaths: z.array(z.string()),
});
export type ModelSummary = z.infer<typeof modelSummarySchema>;

/**
 * One module of the tree, flat (a 7B model has ~10k of them; a nested JSON tree would
 * recurse deeply and cost more to diff). `parent` indexes into the same list; the list
 * is in pre-order, so a parent always precedes its children.
 */
export const moduleNodeSchema = z.object({
  path: z.string(),
  /** Last path segment ('' for the root). */
  name: z.string(),
  /** PyTorch class name it mirrors: 'Linear', 'Conv2d', 'Conv1D', 'Embedding', ... */
  type: z.string(),
  parent: int.min(-1),
  depth: nonNegInt,
  inFeatures: nonNegInt.optional(),
  outFeatures: nonNegInt.optional(),
  /** Own parameters: name → shape. */
  params: z.record(z.string(), z.array(nonNegInt)),
  numParams: nonNegInt,
  /** Parameters of the whole subtree. */
  totalParams: nonNegInt,
  childCount: nonNegInt,
  adaptable: z.boolean(),
});
export type ModuleNode = z.infer<typeof moduleNodeSchema>;

// ---------------------------------------------------------------- BOFT config

const stringOrList = z.union([z.string(), z.array(z.string())]);

/**
 * A BOFTConfig as the user edits it, field names as in PEFT's adapter_config.json.
 * Omitted fields take core/boft's defaults; nothing here fills them in.
 */
export const boftConfigSchema = z.object({
  boft_block_size: nonNegInt.optional(),
  boft_block_num: nonNegInt.optional(),
  boft_n_butterfly_factor: nonNegInt.optional(),
  target_modules: stringOrList.nullable().optional(),
  exclude_modules: stringOrList.nullable().optional(),
  boft_dropout: finite.optional(),
  fan_in_fan_out: z.boolean().optional(),
  bias: z.enum(BIAS_MODES).optional(),
  modules_to_save: z.array(z.string()).nullable().optional(),
  init_weights: z.boolean().optional(),
  layers_to_transform: z.union([int, z.array(int)]).nullable().optional(),
  layers_pattern: stringOrList.nullable().optional(),
  inference_mode: z.boolean().optional(),
  base_model_name_or_path: z.string().nullable().optional(),
  revision: z.string().nullable().optional(),
  task_type: z.string().nullable().optional(),
  peft_type: z.literal('BOFT').optional(),
});
export type BoftConfigInput = z.infer<typeof boftConfigSchema>;

export const blockChoiceSchema = z.object({
  boft_block_size: nonNegInt,
  boft_block_num: nonNegInt,
  boft_n_butterfly_factor: nonNegInt,
  boftParams: nonNegInt,
});
export type BlockChoice = z.infer<typeof blockChoiceSchema>;

const layerBase = {
  path: z.string(),
  type: z.string(),
  inFeatures: nonNegInt,
  outFeatures: nonNegInt,
};

export const layerValidationSchema = z.discriminatedUnion('status', [
  z.object({ ...layerBase, status: z.literal('valid'), blockSize: nonNegInt, blockNum: nonNegInt, boftParams: nonNegInt }),
  z.object({ ...layerBase, status: z.literal('invalid'), reason: z.string(), suggestions: z.array(blockChoiceSchema) }),
]);
export type LayerValidation = z.infer<typeof layerValidationSchema>;

export const configFieldErrorSchema = z.object({ field: z.string(), message: z.string() });

export const validationReportSchema = z.object({
  /** Config-level problems (e.g. both block size and block count set). */
  configErrors: z.array(configFieldErrorSchema),
  /** One entry per module the config targets, in tree order. */
  layers: z.array(layerValidationSchema),
  totalBoftParams: nonNegInt,
  baseParams: nonNegInt,
  /** totalBoftParams / (baseParams + totalBoftParams). */
  trainableShare: finite,
  /** fp32 bytes of the boft_R and boft_s tensors this config would save (the file adds a small JSON header, and biases / modules_to_save where configured). */
  adapterBytes: nonNegInt,
});
export type ValidationReport = z.infer<typeof validationReportSchema>;

// ---------------------------------------------------------------- training

/** Paths are absolute, or relative to the model folder. */
export const datasetSpecSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('sample') }),
  z.object({ kind: z.literal('imageFolder'), path: z.string().min(1), validationSplit: finite.optional() }),
  z.object({
    kind: z.literal('textClassification'), path: z.string().min(1), validationSplit: finite.optional(),
    format: z.enum(['csv', 'jsonl']).optional(), textField: z.string().optional(), labelField: z.string().optional(), maxLength: int.min(1).optional(),
  }),
  z.object({
    kind: z.literal('causalLm'), path: z.string().min(1), validationSplit: finite.optional(),
    format: z.enum(['text', 'jsonl']).optional(), textField: z.string().optional(), blockSize: int.min(1).optional(),
  }),
]);
export type DatasetSpec = z.infer<typeof datasetSpecSchema>;

export const hyperParamsSchema = z.object({
  epochs: int.min(1).optional(),
  maxSteps: int.min(1).optional(),
  batchSize: int.min(1),
  learningRate: finite,
  weightDecay: finite,
  schedule: z.enum(['constant', 'linear', 'cosine']),
  warmupSteps: nonNegInt,
  maxGradNorm: finite.nullable(),
  gradAccumulation: int.min(1),
  evalEvery: int.min(1),
  checkpointEvery: int.min(1),
  earlyStoppingPatience: int.min(1).nullable(),
  seed: int,
  /** Per-layer diagnostics cadence in steps (default: evalEvery). */
  diagnosticsEvery: int.min(1).optional(),
  /** Must be 'auto' or the core's active backend (chosen when the core starts; see app.info). */
  backend: z.enum(['auto', 'tensorflow', 'wasm', 'cpu']).optional(),
});
export type HyperParams = z.infer<typeof hyperParamsSchema>;

export const runStateSchema = z.enum(['starting', 'running', 'paused', 'cancelling', 'completed', 'cancelled', 'failed']);
export type RunState = z.infer<typeof runStateSchema>;

export const stepMetricsSchema = z.object({
  step: nonNegInt,
  totalSteps: nonNegInt,
  epoch: finite,
  loss: metric,
  lr: finite,
  gradNorm: metric,
  samplesPerSec: finite,
  etaSec: finite.nullable(),
  elapsedSec: finite,
});
export type StepMetrics = z.infer<typeof stepMetricsSchema>;

export const evalMetricsSchema = z.object({
  step: nonNegInt,
  loss: metric,
  accuracy: metric.optional(),
  perplexity: metric.optional(),
});
export type EvalMetrics = z.infer<typeof evalMetricsSchema>;

export const layerDiagnosticsSchema = z.object({
  path: z.string(),
  /** ‖Q − I‖_F over all m·k blocks of the rotation factors. */
  qMinusINorm: metric,
  /** max |QᵀQ − I| of the fp32 Q used in the forward. */
  orthoError: metric,
  /** RMS of boft_s − 1 (its drift from the identity scale; core/train/diagnostics). */
  scaleDrift: metric,
});
export type LayerDiagnostics = z.infer<typeof layerDiagnosticsSchema>;

export const checkpointRefSchema = z.object({ runId: z.string(), step: nonNegInt, path: z.string() });
export type CheckpointRef = z.infer<typeof checkpointRefSchema>;

export const runSummarySchema = z.object({
  runId: z.string(),
  adapterName: z.string(),
  state: runStateSchema,
  startedAt: z.string(),
  config: boftConfigSchema,
  hyper: hyperParamsSchema,
  dataset: datasetSpecSchema,
  lastStep: stepMetricsSchema.nullable(),
  lastEval: evalMetricsSchema.nullable(),
  lastCheckpoint: checkpointRefSchema.nullable(),
  /** Run bundle folder (config, seed, versions, hashes, metrics.jsonl). */
  bundlePath: z.string().nullable(),
  error: studioErrorSchema.nullable(),
});
export type RunSummary = z.infer<typeof runSummarySchema>;

export const runHistorySchema = z.object({
  runId: z.string(),
  steps: z.array(stepMetricsSchema),
  evals: z.array(evalMetricsSchema),
  diagnostics: z.array(z.object({ step: nonNegInt, layers: z.array(layerDiagnosticsSchema) })),
});
export type RunHistory = z.infer<typeof runHistorySchema>;

// ---------------------------------------------------------------- adapters, export, project

export const adapterInfoSchema = z.object({
  name: z.string(),
  active: z.boolean(),
  merged: z.boolean(),
  config: boftConfigSchema,
  numParams: nonNegInt,
  targetPaths: z.array(z.string()),
  origin: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('trained'), runId: z.string() }),
    z.object({ kind: z.literal('loaded'), path: z.string() }),
    z.object({ kind: z.literal('new') }),
  ]),
});
export type AdapterInfo = z.infer<typeof adapterInfoSchema>;

export const mergeAgreementSchema = z.object({
  /** max |merged(x) − unmerged(x)| on a held-out batch. */
  maxAbsDiff: finite,
  samples: nonNegInt,
  /**
   * Where the batch came from: 'validation' = examples of the project's validation split;
   * 'synthetic' = a seeded batch from the model's input domain (no data to hold out).
   */
  batch: z.enum(['validation', 'synthetic']),
});
export type MergeAgreement = z.infer<typeof mergeAgreementSchema>;

export const exportResultSchema = z.object({ dir: z.string(), files: z.array(z.string()), bytes: nonNegInt });

export const projectSchema = z.object({
  version: z.literal(1),
  name: z.string(),
  model: modelSourceSchema.nullable(),
  config: boftConfigSchema,
  hyper: hyperParamsSchema.nullable(),
  dataset: datasetSpecSchema.nullable(),
  /** Adapters saved alongside the project, by name → folder relative to the project file. */
  adapters: z.record(z.string(), z.string()),
  runs: z.array(z.string()),
});
export type Project = z.infer<typeof projectSchema>;

export const appInfoSchema = z.object({
  appVersion: z.string(),
  mode: z.enum(['electron', 'browser', 'test']),
  backend: backendNameSchema.nullable(),
  platform: z.string(),
  versions: z.record(z.string(), z.string()),
});
export type AppInfo = z.infer<typeof appInfoSchema>;

export const workerStatusSchema = z.enum(['ready', 'crashed', 'restarting']);
