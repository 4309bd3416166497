// The narrow interfaces the StudioService is built on. Production implementations wrap
// core/ (see wiring.ts); tests pass fakes. Numbers only ever come from core/ through these.
import type { Module } from '../../core/nn/module';
import type {
  AdapterInfo,
  AppInfo,
  BoftConfigInput,
  CheckpointRef,
  DatasetSpec,
  EvalMetrics,
  HyperParams,
  LayerDiagnostics,
  MergeAgreement,
  ModelSource,
  Project,
  StepMetrics,
  ValidationReport,
} from '../shared/schemas';

/** A base model loaded into the core. The service owns it and disposes it when replaced. */
export interface LoadedModel {
  name: string;
  architecture: string;
  source: ModelSource;
  /** The checkpoint folder it was loaded from (merged exports re-read it). */
  dir?: string;
  /** config.json's model_type: selects the adapter file naming (e.g. legacy ViT names). */
  modelType?: string;
  root: Module;
  dispose(): void;
}

export interface ModelProvider {
  openSample(signal: AbortSignal): Promise<LoadedModel>;
  openFolder(path: string, signal: AbortSignal): Promise<LoadedModel>;
}

export interface ConfigValidator {
  /** Per-layer validity of `config` on `root`; config-level errors go in configErrors. */
  validate(root: Module, config: BoftConfigInput): ValidationReport;
}

export type { MergeAgreement } from '../shared/schemas';

export interface ExportProgress {
  (phase: string, done: number, total: number): void;
}

export interface ExportResult {
  dir: string;
  files: string[];
  bytes: number;
}

/** Adapter operations on one loaded model (core/boft's BOFTModel behind it). */
export interface AdapterEngine {
  list(): AdapterInfo[];
  load(path: string, adapterName: string, signal: AbortSignal): Promise<void>;
  activate(names: string[]): void;
  merge(names: string[] | undefined, safeMerge: boolean): Promise<MergeAgreement | null>;
  unmerge(): void;
  /** Returns the plain model left after merging (it replaces the loaded root). */
  mergeAndUnload(names: string[] | undefined, safeMerge: boolean): Promise<{ agreement: MergeAgreement | null; root: Module }>;
  /** Returns the base model without adapters. */
  unload(): Module;
  delete(name: string): void;
  exportAdapter(name: string, dir: string, progress: ExportProgress, signal: AbortSignal): Promise<ExportResult>;
  exportMerged(dir: string, names: string[] | undefined, safeMerge: boolean, progress: ExportProgress, signal: AbortSignal): Promise<ExportResult>;
  dispose(): void;
}

export interface AdapterEngineFactory {
  create(model: LoadedModel): AdapterEngine;
}

export interface TrainingRequest {
  runId: string;
  adapterName: string;
  config: BoftConfigInput;
  hyper: HyperParams;
  dataset: DatasetSpec;
  resumeFrom?: CheckpointRef;
  model: LoadedModel;
  adapters: AdapterEngine;
}

/** Where a trainer reports; called between steps, in order. */
export interface TrainingSink {
  step(metrics: StepMetrics): void;
  eval(metrics: EvalMetrics): void;
  diagnostics(step: number, layers: LayerDiagnostics[]): void;
  checkpoint(ref: CheckpointRef): void;
}

export interface TrainingOutcome {
  state: 'completed' | 'cancelled';
  bundlePath: string | null;
}

export interface TrainingJob {
  /** Takes effect between steps. */
  pause(): void;
  resume(): void;
  /** Stops after the current step, writing a checkpoint; `done` then resolves 'cancelled'. */
  cancel(): void;
  /** Rejects if training fails; the error message is shown to the user. */
  readonly done: Promise<TrainingOutcome>;
}

export interface Trainer {
  start(request: TrainingRequest, sink: TrainingSink): TrainingJob;
}

export interface ProjectStore {
  open(path: string): Promise<Project>;
  save(path: string, project: Project): Promise<string>;
  recent(): Promise<string[]>;
}

export interface StudioDeps {
  models: ModelProvider;
  validator: ConfigValidator;
  adapters: AdapterEngineFactory;
  trainer: Trainer;
  projects: ProjectStore;
  appInfo(): AppInfo;
  /** Clock for run timestamps and ids (tests fix it). */
  now(): Date;
}
