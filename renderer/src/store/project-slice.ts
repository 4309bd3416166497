// Project: the open model, its module rows and folded view tree, recent projects, the
// session snapshot that rebuilds the UI after a reload, and worker-crash recovery.
import { toRow, type AppInfo, type CheckpointRef, type ModelSummary, type ModuleRow, type Result } from '../api';
import { buildViewTree, type ViewNode } from '../lib/tree';
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
  setView(view: View): void;
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
  const loadTree = async (model: ModelSummary): Promise<boolean> => {
    const tree = valueOr(await api.call('model.tree', {}), fail);
    if (!tree) return false;
    const rows = tree.nodes.map(toRow);
    set({ model, rows, viewTree: buildViewTree(rows), expanded: new Set(['root']) });
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
    setView: (view) => set({ view }),
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
