// Test doubles for the StudioService ports. Test-only: nothing in production imports this.
// The model trees are real core/nn modules, so tree flattening is exercised for real.
import { Linear } from '../../core/nn/layers/linear';
import { ModuleDict, ModuleList, Sequential } from '../../core/nn/layers/containers';
import type { Module } from '../../core/nn/module';
import { StudioError } from '../shared/contract';
import type { AdapterInfo, AppInfo, BoftConfigInput, CheckpointRef, Project, ValidationReport } from '../shared/schemas';
import type {
  AdapterEngine,
  ExportProgress,
  LoadedModel,
  ModelProvider,
  ProjectStore,
  StudioDeps,
  Trainer,
  TrainingJob,
  TrainingOutcome,
  TrainingRequest,
  TrainingSink,
} from '../worker/ports';

/** A two-block MLP: blocks.{0,1}.{fc1,fc2} Linear 8→16→8, then head Linear 8→2. */
export function tinyModel(): Module {
  const block = (): Sequential => new Sequential([new Linear(8, 16, { seed: 1 }), new Linear(16, 8, { seed: 2 })]);
  return new ModuleDict<Module>({ blocks: new ModuleList([block(), block()]), head: new Linear(8, 2, { seed: 3 }) });
}

export class FakeModels implements ModelProvider {
  opened = 0;
  async openSample(): Promise<LoadedModel> {
    this.opened++;
    const root = tinyModel();
    return { name: 'sample', architecture: 'tiny-mlp', source: { kind: 'sample' }, root, dispose: () => root.dispose() };
  }
  async openFolder(path: string): Promise<LoadedModel> {
    if (path.includes('missing')) throw new StudioError('NOT_FOUND', `no model folder at ${path}`);
    const root = tinyModel();
    return { name: path, architecture: 'tiny-mlp', source: { kind: 'folder', path }, root, dispose: () => root.dispose() };
  }
}

export function fakeValidate(_root: Module, config: BoftConfigInput): ValidationReport {
  const b = config.boft_block_size ?? 4;
  const layers = ['blocks.0.0', 'blocks.0.1'].map((path, i) => {
    const inFeatures = i === 0 ? 8 : 16;
    return inFeatures % b === 0
      ? { path, type: 'Linear', inFeatures, outFeatures: 16, status: 'valid' as const, blockSize: b, blockNum: inFeatures / b, boftParams: 1 }
      : { path, type: 'Linear', inFeatures, outFeatures: 16, status: 'invalid' as const, reason: `${b} does not divide ${inFeatures}`, suggestions: [] };
  });
  return { configErrors: [], layers, totalBoftParams: 2, baseParams: 100, trainableShare: 0.02, adapterBytes: 64 };
}

export class FakeAdapters implements AdapterEngine {
  adapters: AdapterInfo[] = [];
  exportGate: Promise<void> = Promise.resolve();
  constructor(private readonly model: LoadedModel) {}
  list(): AdapterInfo[] {
    return this.adapters.map((a) => ({ ...a }));
  }
  async load(path: string, name: string): Promise<void> {
    this.adapters.push({ name, active: true, merged: false, config: {}, numParams: 10, targetPaths: [], origin: { kind: 'loaded', path } });
  }
  activate(names: string[]): void {
    for (const n of names) this.find(n);
    for (const a of this.adapters) a.active = names.includes(a.name);
  }
  async merge(names: string[] | undefined): Promise<{ maxAbsDiff: number; samples: number; batch: 'synthetic' }> {
    for (const a of this.adapters) if (!names || names.includes(a.name)) a.merged = true;
    return { maxAbsDiff: 0, samples: 4, batch: 'synthetic' };
  }
  unmerge(): void {
    for (const a of this.adapters) a.merged = false;
  }
  async mergeAndUnload(): Promise<{ agreement: null; root: Module }> {
    this.adapters = [];
    return { agreement: null, root: this.model.root };
  }
  unload(): Module {
    this.adapters = [];
    return this.model.root;
  }
  delete(name: string): void {
    this.find(name);
    this.adapters = this.adapters.filter((a) => a.name !== name);
  }
  async exportAdapter(name: string, dir: string, progress: ExportProgress, signal: AbortSignal) {
    this.find(name);
    progress('writing', 0, 2);
    await this.exportGate;
    if (signal.aborted) throw new StudioError('CANCELLED', 'export cancelled');
    progress('writing', 2, 2);
    return { dir, files: ['adapter_config.json', 'adapter_model.safetensors'], bytes: 100 };
  }
  async exportMerged(dir: string, _n: string[] | undefined, _s: boolean, progress: ExportProgress) {
    progress('merged', 1, 1);
    return { dir, files: ['model.safetensors'], bytes: 1000 };
  }
  dispose(): void {}
  private find(name: string): AdapterInfo {
    const a = this.adapters.find((x) => x.name === name);
    if (!a) throw new StudioError('NOT_FOUND', `no adapter '${name}'`, { adapters: this.adapters.map((x) => x.name) });
    return a;
  }
}

/** A trainer the test drives step by step through `job`. */
export class FakeTrainer implements Trainer {
  job: FakeJob | null = null;
  start(request: TrainingRequest, sink: TrainingSink): TrainingJob {
    if (request.hyper.learningRate <= 0) throw new StudioError('INVALID_CONFIG', `learningRate=${request.hyper.learningRate} must be > 0`);
    this.job = new FakeJob(request, sink);
    return this.job;
  }
}

export class FakeJob implements TrainingJob {
  paused = false;
  cancelled = false;
  private resolve!: (o: TrainingOutcome) => void;
  private reject!: (e: unknown) => void;
  readonly done: Promise<TrainingOutcome>;
  constructor(readonly request: TrainingRequest, readonly sink: TrainingSink) {
    this.done = new Promise((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  cancel(): void {
    this.cancelled = true;
  }
  step(step: number, loss: number): void {
    this.sink.step({ step, totalSteps: 10, epoch: step / 10, loss, lr: 1e-3, gradNorm: 0.5, samplesPerSec: 100, etaSec: 10 - step, elapsedSec: step });
  }
  checkpoint(step: number): CheckpointRef {
    const ref = { runId: this.request.runId, step, path: `/tmp/ckpt-${step}` };
    this.sink.checkpoint(ref);
    return ref;
  }
  finish(state: TrainingOutcome['state']): void {
    this.resolve({ state, bundlePath: '/tmp/bundle' });
  }
  fail(message: string): void {
    this.reject(new Error(message));
  }
}

export class MemoryProjects implements ProjectStore {
  files = new Map<string, Project>();
  async open(path: string): Promise<Project> {
    const p = this.files.get(path);
    if (!p) throw new StudioError('NOT_FOUND', `no project at ${path}`);
    return p;
  }
  async save(path: string, project: Project): Promise<string> {
    this.files.set(path, project);
    return path;
  }
  async recent(): Promise<string[]> {
    return [...this.files.keys()];
  }
}

export const testAppInfo: AppInfo = { appVersion: '0.1.0', mode: 'test', backend: 'cpu', platform: 'linux', versions: { node: '20' } };

export interface FakeDeps extends StudioDeps {
  trainer: FakeTrainer;
  models: FakeModels;
  projects: MemoryProjects;
  engines: FakeAdapters[];
}

export function fakeDeps(): FakeDeps {
  const engines: FakeAdapters[] = [];
  return {
    models: new FakeModels(),
    validator: { validate: fakeValidate },
    adapters: {
      create: (m) => {
        const e = new FakeAdapters(m);
        engines.push(e);
        return e;
      },
    },
    engines,
    trainer: new FakeTrainer(),
    projects: new MemoryProjects(),
    appInfo: () => testAppInfo,
    now: () => new Date('2026-11-29T12:00:00Z'),
  };
}
