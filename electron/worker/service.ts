// StudioService: the contract's handlers, on top of the narrow ports in ports.ts. It holds
// the studio's state (model, adapters, runs, project), so a renderer reload loses nothing.
import { StudioError, type Snapshot, type StudioEvent } from '../shared/contract';
import type { Handlers } from '../shared/dispatcher';
import { throwIfCancelled } from '../shared/dispatcher';
import type { AdapterInfo, ModelSummary } from '../shared/schemas';
import type { AdapterEngine, LoadedModel, StudioDeps } from './ports';
import { RunManager } from './runs';
import { buildModuleTree, summarizeModel } from './tree';

interface OpenModel {
  model: LoadedModel;
  adapters: AdapterEngine;
}

export class StudioService {
  private current: OpenModel | null = null;
  private projectPath: string | null = null;
  private exclusive: string | null = null;
  private runCounter = 0;
  readonly runs: RunManager;

  constructor(private readonly deps: StudioDeps, private readonly emit: (e: StudioEvent) => void) {
    this.runs = new RunManager(deps.trainer, emit);
  }

  handlers(): Handlers {
    return {
      'app.info': async () => this.deps.appInfo(),
      'session.snapshot': async () => this.snapshot(),
      'dialog.open': async () => {
        throw new StudioError('UNSUPPORTED', 'native file dialogs exist only in the desktop app; type the path instead');
      },
      'model.openSample': async (_p, ctx) => this.replaceModel(await this.deps.models.openSample(ctx.signal), ctx.signal),
      'model.openFolder': async (p, ctx) => this.replaceModel(await this.deps.models.openFolder(p.path, ctx.signal), ctx.signal),
      'model.tree': async () => ({ nodes: buildModuleTree(this.open().model.root) }),
      'config.validate': async (p) => this.deps.validator.validate(this.open().model.root, p.config),
      'training.start': async (p) => this.startTraining(p),
      'training.pause': async (p) => this.runs.pause(p.runId),
      'training.resume': async (p) => this.runs.resume(p.runId),
      'training.cancel': async (p) => this.runs.cancel(p.runId),
      'runs.list': async () => ({ runs: this.runs.list() }),
      'runs.history': async (p) => this.runs.history(p.runId),
      'adapters.list': async () => ({ adapters: this.adapterList() }),
      'adapters.load': async (p, ctx) => this.mutate('loading an adapter', async (a) => a.load(p.path, p.adapterName, ctx.signal)),
      'adapters.activate': async (p) => this.mutate('activating adapters', async (a) => a.activate(p.names)),
      'adapters.merge': async (p) => {
        let agreement = null;
        const { adapters } = await this.mutate('merging', async (a) => {
          agreement = await a.merge(p.names, p.safeMerge);
        });
        return { adapters, agreement };
      },
      'adapters.unmerge': async () => this.mutate('unmerging', async (a) => a.unmerge()),
      'adapters.mergeAndUnload': async (p) => this.mergeAndUnload(p.names, p.safeMerge),
      'adapters.unload': async () => this.unload(),
      'adapters.delete': async (p) => this.mutate('deleting an adapter', async (a) => a.delete(p.name)),
      'export.adapter': async (p, ctx) =>
        this.exclusively('exporting', () => this.open().adapters.exportAdapter(p.adapterName, p.dir, this.progress(p.progressId), ctx.signal)),
      'export.merged': async (p, ctx) =>
        this.exclusively('exporting', () => this.open().adapters.exportMerged(p.dir, p.names, p.safeMerge, this.progress(p.progressId), ctx.signal)),
      'project.open': async (p) => {
        const project = await this.deps.projects.open(p.path);
        this.projectPath = p.path;
        return { project, path: p.path };
      },
      'project.save': async (p) => {
        const path = await this.deps.projects.save(p.path, p.project);
        this.projectPath = path;
        return { path };
      },
      'project.recent': async () => ({ paths: await this.deps.projects.recent() }),
    };
  }

  snapshot(): Snapshot {
    const active = this.runs.active;
    return {
      lastSeq: 0, // stamped by the endpoint that numbers events
      model: this.current ? this.summary() : null,
      adapters: this.adapterList(),
      runs: this.runs.list(),
      activeRun: active ? { summary: active.summary, history: active.history } : null,
      recoverableCheckpoint: null, // stamped by the host after a crash
      projectPath: this.projectPath,
    };
  }

  dispose(): void {
    this.current?.adapters.dispose();
    this.current?.model.dispose();
    this.current = null;
  }

  private open(): OpenModel {
    if (!this.current) throw new StudioError('NO_MODEL', 'no model is open; open the sample or a model folder first');
    return this.current;
  }

  private summary(): ModelSummary {
    const { model } = this.open();
    return summarizeModel(model.root, model.name, model.architecture, model.source);
  }

  private adapterList(): AdapterInfo[] {
    return this.current ? this.current.adapters.list() : [];
  }

  private async replaceModel(model: LoadedModel, signal: AbortSignal): Promise<ModelSummary> {
    if (signal.aborted || this.busyReason()) {
      model.dispose();
      throwIfCancelled(signal, 'opening the model');
      throw new StudioError('BUSY', `cannot open a model while ${this.busyReason()}`);
    }
    const adapters = this.deps.adapters.create(model);
    this.dispose();
    this.current = { model, adapters };
    const summary = this.summary();
    this.emit({ type: 'model.changed', model: summary });
    this.emit({ type: 'adapters.changed', adapters: this.adapterList() });
    return summary;
  }

  private busyReason(): string | null {
    const run = this.runs.active;
    if (run) return `run ${run.summary.runId} is ${run.summary.state}`;
    return this.exclusive;
  }

  private async exclusively<T>(what: string, work: () => Promise<T>): Promise<T> {
    const busy = this.busyReason();
    if (busy) throw new StudioError('BUSY', `cannot start ${what} while ${busy}`);
    this.exclusive = `${what} is in progress`;
    try {
      return await work();
    } finally {
      this.exclusive = null;
    }
  }

  private async mutate(what: string, change: (a: AdapterEngine) => Promise<void>): Promise<{ adapters: AdapterInfo[] }> {
    const { adapters } = this.open();
    await this.exclusively(what, () => change(adapters));
    const list = this.adapterList();
    this.emit({ type: 'adapters.changed', adapters: list });
    return { adapters: list };
  }

  private async mergeAndUnload(names: string[] | undefined, safeMerge: boolean) {
    const cur = this.open();
    const { agreement, root } = await this.exclusively('merging', () => cur.adapters.mergeAndUnload(names, safeMerge));
    return { ...this.rebase(cur, root), agreement };
  }

  private async unload() {
    const cur = this.open();
    const root = await this.exclusively('unloading', async () => cur.adapters.unload());
    return this.rebase(cur, root);
  }

  /** After merge-and-unload/unload the plain model replaces the wrapped one. */
  private rebase(cur: OpenModel, root: LoadedModel['root']): { adapters: AdapterInfo[]; model: ModelSummary } {
    const model: LoadedModel = { ...cur.model, root, dispose: () => root.dispose() };
    cur.adapters.dispose();
    this.current = { model, adapters: this.deps.adapters.create(model) };
    const summary = this.summary();
    const adapters = this.adapterList();
    this.emit({ type: 'model.changed', model: summary });
    this.emit({ type: 'adapters.changed', adapters });
    return { adapters, model: summary };
  }

  private startTraining(p: Parameters<Handlers['training.start']>[0]) {
    const cur = this.open();
    if (this.exclusive) throw new StudioError('BUSY', `cannot start training while ${this.exclusive}`);
    const startedAt = this.deps.now();
    const runId = `run-${startedAt.toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}-${++this.runCounter}`;
    const request = { runId, adapterName: p.adapterName, config: p.config, hyper: p.hyper, dataset: p.dataset, model: cur.model, adapters: cur.adapters };
    const base = { runId, adapterName: p.adapterName, startedAt: startedAt.toISOString(), config: p.config, hyper: p.hyper, dataset: p.dataset };
    return this.runs.start(p.resumeFrom ? { ...request, resumeFrom: p.resumeFrom } : request, base);
  }

  private progress(progressId: string | undefined) {
    return (phase: string, done: number, total: number): void =>
      this.emit({ type: 'export.progress', progressId: progressId ?? null, phase, done, total });
  }
}
