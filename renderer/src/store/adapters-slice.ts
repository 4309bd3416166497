// Adapters: list, confirm-then-act (each confirmation says what will change), merge
// agreement readout, export with progress, loading an exported adapter back.
import type { AdapterInfo, MergeAgreement, Result, StudioEvent } from '../api';

export type { MergeAgreement } from '../api';
import { valueOr, type SliceCreator } from './types';

export type AdapterAction = 'activate' | 'merge' | 'unmerge' | 'merge_and_unload' | 'unload' | 'delete';

export interface PendingAction {
  name: string;
  action: AdapterAction;
  safeMerge: boolean;
  /** What will change, shown before the user confirms. */
  effect: string;
}

export interface ExportJob {
  kind: 'adapter' | 'merged';
  progressId: string;
  dir: string;
  done: number;
  total: number;
  phase: string | null;
  finished: boolean;
  files: string[];
  bytes: number;
  error: string | null;
}


export interface AdaptersSlice {
  adapters: AdapterInfo[];
  pending: PendingAction | null;
  adapterBusy: boolean;
  adapterError: string | null;
  /** The last merge's agreement check; agreement null when the service ran none. */
  lastMerge: { agreement: MergeAgreement | null } | null;
  exportJob: ExportJob | null;
  refreshAdapters(): Promise<void>;
  requestAction(name: string, action: AdapterAction, safeMerge?: boolean): void;
  cancelAction(): void;
  confirmAction(): Promise<void>;
  exportAdapter(name: string, dir: string): Promise<void>;
  exportMerged(dir: string, safeMerge: boolean): Promise<void>;
  loadAdapter(path: string, name: string): Promise<void>;
  /** export.progress and adapters.changed, from the binder. */
  ingestAdapters(event: StudioEvent): void;
}

const n = (x: number): string => x.toLocaleString('en-US');

/** One sentence per action on what it does to the model and the adapter list. */
export function describeEffect(a: AdapterInfo, all: readonly AdapterInfo[], action: AdapterAction, safeMerge: boolean): string {
  const layers = `${a.targetPaths.length} layer${a.targetPaths.length === 1 ? '' : 's'}`;
  const safe = safeMerge ? ' Safe merge computes the merged weights in a copy and leaves the model unchanged if any is NaN or infinite.' : '';
  const merged = all.filter((x) => x.merged).map((x) => `'${x.name}'`);
  switch (action) {
    case 'activate':
      return `'${a.name}' becomes the active adapter for forward passes and training; no weight changes.`;
    case 'merge':
      return `'${a.name}' is folded into the base weights of its ${layers} (W′ = (W·Mᵀ) ⊙ s); it stays loaded and can be unmerged.${safe}`;
    case 'unmerge':
      return merged.length === 0 ? 'No adapter is merged; nothing changes.' : `${merged.join(', ')} ${merged.length === 1 ? 'is' : 'are'} taken back out of the base weights; the adapters stay loaded.`;
    case 'merge_and_unload':
      return `'${a.name}' is merged into its ${layers} and every adapter wrapper is removed: the model becomes a plain model (${all.length} adapter${all.length === 1 ? '' : 's'} unloaded; reload to undo).${safe}`;
    case 'unload':
      return `All ${all.length} adapter wrapper${all.length === 1 ? ' is' : 's are'} removed without merging; unmerged weights return to the base model.`;
    case 'delete':
      return `'${a.name}' (${n(a.numParams)} parameters on ${layers}) is removed from the model; files already exported stay on disk.`;
  }
}

let exportCounter = 0;

export const createAdaptersSlice: SliceCreator<AdaptersSlice> = (set, get, { api }) => {
  const fail = (text: string): void => set({ adapterBusy: false, adapterError: text });
  const act = async (p: PendingAction): Promise<Result<{ adapters: AdapterInfo[]; agreement?: MergeAgreement | null }>> => {
    switch (p.action) {
      case 'activate': return api.call('adapters.activate', { names: [p.name] });
      case 'merge': return api.call('adapters.merge', { names: [p.name], safeMerge: p.safeMerge });
      case 'unmerge': return api.call('adapters.unmerge', {});
      case 'merge_and_unload': return api.call('adapters.mergeAndUnload', { names: [p.name], safeMerge: p.safeMerge });
      case 'unload': return api.call('adapters.unload', {});
      case 'delete': return api.call('adapters.delete', { name: p.name });
    }
  };
  const runExport = async (kind: ExportJob['kind'], dir: string, call: (progressId: string) => Promise<Result<{ dir: string; files: string[]; bytes: number }>>): Promise<void> => {
    const progressId = `${kind}-${Date.now()}-${++exportCounter}`;
    set({ exportJob: { kind, progressId, dir, done: 0, total: 0, phase: null, finished: false, files: [], bytes: 0, error: null } });
    const r = await call(progressId);
    const job = get().exportJob;
    if (!job || job.progressId !== progressId) return;
    if (r.ok) set({ exportJob: { ...job, finished: true, done: job.total, dir: r.value.dir, files: r.value.files, bytes: r.value.bytes } });
    else set({ exportJob: { ...job, finished: true, error: `${r.error.message} (${r.error.code})` } });
  };
  return {
    adapters: [],
    pending: null,
    adapterBusy: false,
    adapterError: null,
    lastMerge: null,
    exportJob: null,
    refreshAdapters: async () => {
      const r = valueOr(await api.call('adapters.list', {}), fail);
      if (r) set({ adapters: r.adapters });
    },
    requestAction: (name, action, safeMerge = false) => {
      const all = get().adapters;
      const a = all.find((x) => x.name === name);
      if (!a) return fail(`No adapter named '${name}' (have: ${all.map((x) => x.name).join(', ') || 'none'})`);
      set({ pending: { name, action, safeMerge, effect: describeEffect(a, all, action, safeMerge) }, adapterError: null });
    },
    cancelAction: () => set({ pending: null }),
    confirmAction: async () => {
      const p = get().pending;
      if (!p) return;
      set({ adapterBusy: true, pending: null, adapterError: null });
      const r = valueOr(await act(p), fail);
      if (!r) return;
      const merged = p.action === 'merge' || p.action === 'merge_and_unload';
      set({ adapterBusy: false, adapters: r.adapters, lastMerge: merged ? { agreement: r.agreement ?? null } : get().lastMerge });
    },
    exportAdapter: (name, dir) => runExport('adapter', dir, (progressId) => api.call('export.adapter', { adapterName: name, dir, progressId })),
    exportMerged: (dir, safeMerge) => runExport('merged', dir, (progressId) => api.call('export.merged', { dir, safeMerge, progressId })),
    loadAdapter: async (path, name) => {
      set({ adapterBusy: true, adapterError: null });
      const r = valueOr(await api.call('adapters.load', { path, adapterName: name }), fail);
      if (r) set({ adapterBusy: false, adapters: r.adapters });
    },
    ingestAdapters: (e) => {
      if (e.type === 'adapters.changed') return set({ adapters: e.adapters });
      if (e.type !== 'export.progress') return;
      const job = get().exportJob;
      if (!job || job.finished || e.progressId !== job.progressId) return;
      set({ exportJob: { ...job, done: e.done, total: e.total, phase: e.phase } });
    },
  };
};
