// Project: the open model, its module rows and folded view tree, recent projects, the
// session snapshot that rebuilds the UI after a reload, and worker-crash recovery.
import { toRow, type AppInfo, type CheckpointRef, type ModelSummary, type ModuleRow, type Result } from '../api';
import { buildViewTreeSliced, type ViewNode } from '../lib/tree';
import { valueOr, type SliceCreator } from './types';

export type View = 'home' | 'config' | 'training' | 'adapters';

export interface ProjectSlice {
  appInfo: AppInfo | null;
  model: ModelSummary | null;
  rows: ModuleRow[];
  viewTree: ViewNode | null;
  recent: string[];
  projectBusy: boolean;
  projectError: string | null;
  view: View;
  crash: { reason: string; lastCheckpoint: CheckpointRef | null } | null;
  /** False once the service said it has no native dialogs (browser mode). */
  dialogs: boolean;
  projectPath: string | null;
  setView(view: View): void;
  /** Native folder picker (desktop), then opens the folder. */
  browseFolder(): Promise<void>;
  openProject(path: string): Promise<void>;
  saveProject(path: string): Promise<void>;
  hydrate(): Promise<void>;
  openSample(): Promise<void>;
  openFolder(path: string): Promise<void>;
  refreshRecent(): Promise<void>;
  /** model.changed: a merge-and-unload or unload replaced the model. */
  modelChanged(model: ModelSummary | null): Promise<void>;
  workerCrashed(reason: string, lastCheckpoint: CheckpointRef | null): void;
  dismissCrash(): void;
}

export const createProjectSlice: SliceCreator<ProjectSlice> = (set, get, { api }) => {
  const fail = (text: string): void => set({ projectBusy: false, projectError: text });
  // The view tree is built in slices between frames (a 10k-module model is ~100 ms of work);
  // opening another model meanwhile abandons the older build, so it never lands.
  let building: AbortController | null = null;
  const loadTree = async (model: ModelSummary): Promise<boolean> => {
    const tree = valueOr(await api.call('model.tree', {}), fail);
    if (!tree) return false;
    const rows = tree.nodes.map(toRow);
    building?.abort();
    const ctl = new AbortController();
    building = ctl;
    let viewTree: ViewNode;
    try {
      viewTree = await buildViewTreeSliced(rows, { signal: ctl.signal });
    } catch (e) {
      if (ctl.signal.aborted) return false;
      throw e;
    }
    set({ model, rows, viewTree, expanded: new Set(['root']) });
    return true;
  };
  const open = async (call: () => Promise<Result<ModelSummary>>): Promise<void> => {
    set({ projectBusy: true, projectError: null });
    const model = valueOr(await call(), fail);
    if (!model || !(await loadTree(model))) return;
    set({ projectBusy: false, view: 'config' });
    get().resetConfig({ base_model_name_or_path: model.name });
    void get().refreshRecent();
    void get().refreshAdapters();
    void get().refreshRuns();
  };
  return {
    appInfo: null,
    model: null,
    rows: [],
    viewTree: null,
    recent: [],
    projectBusy: false,
    projectError: null,
    view: 'home',
    crash: null,
    dialogs: true,
    projectPath: null,
    setView: (view) => set({ view }),
    browseFolder: async () => {
      const r = await api.call('dialog.open', { kind: 'folder', title: 'Open a model folder' });
      if (!r.ok) {
        if (r.error.code === 'UNSUPPORTED') set({ dialogs: false });
        else fail(`${r.error.message} (${r.error.code})`);
        return;
      }
      if (r.value.path) await get().openFolder(r.value.path);
    },
    openProject: async (path) => {
      const r = valueOr(await api.call('project.open', { path }), fail);
      if (!r) return;
      const p = r.project;
      if (p.model) await open(() => (p.model?.kind === 'folder' ? api.call('model.openFolder', { path: p.model.path }) : api.call('model.openSample', {})));
      get().resetConfig(p.config);
      if (p.hyper) set({ hyper: p.hyper });
      if (p.dataset) set({ dataset: p.dataset });
      set({ projectPath: r.path });
    },
    saveProject: async (path) => {
      const s = get();
      const project = {
        version: 1 as const, name: s.model?.name ?? 'untitled', model: s.model?.source ?? null, config: s.config, hyper: s.hyper, dataset: s.dataset,
        adapters: {}, runs: s.runs.map((r) => r.runId),
      };
      const r = valueOr(await api.call('project.save', { path, project }), fail);
      if (r) set({ projectPath: r.path });
      void get().refreshRecent();
    },
    hydrate: async () => {
      const info = valueOr(await api.call('app.info', {}), fail);
      if (info) set({ appInfo: info });
      const snap = valueOr(await api.call('session.snapshot', {}), fail);
      void get().refreshRecent();
      if (!snap) return;
      set({ adapters: snap.adapters, runs: snap.runs });
      if (snap.recoverableCheckpoint) set({ crash: { reason: 'The core stopped during the last run.', lastCheckpoint: snap.recoverableCheckpoint } });
      if (snap.model && (await loadTree(snap.model))) {
        set({ view: 'config' });
        get().resetConfig({ base_model_name_or_path: snap.model.name });
      }
      if (snap.activeRun) get().restoreRun(snap.activeRun.summary, snap.activeRun.history);
    },
    openSample: () => open(() => api.call('model.openSample', {})),
    openFolder: async (path) => {
      if (path.trim() === '') {
        set({ projectError: 'Type the folder of a model (config.json and model.safetensors).' });
        return;
      }
      await open(() => api.call('model.openFolder', { path: path.trim() }));
    },
    refreshRecent: async () => {
      const r = await api.call('project.recent', {});
      if (r.ok) set({ recent: r.value.paths });
    },
    modelChanged: async (model) => {
      if (!model) {
        set({ model: null, rows: [], viewTree: null, view: 'home' });
        return;
      }
      await loadTree(model);
    },
    workerCrashed: (reason, lastCheckpoint) => set({ crash: { reason, lastCheckpoint } }),
    dismissCrash: () => set({ crash: null }),
  };
};
