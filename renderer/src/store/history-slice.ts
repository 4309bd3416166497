// Run history and two-run comparison (curves overlaid, config diff).
import { completeConfig, type RunHistory, type RunSummary } from '../api';
import { configDiff, type FieldDiff } from '../lib/config-diff';
import { valueOr, type SliceCreator } from './types';

export interface Comparison {
  a: RunSummary;
  b: RunSummary;
  historyA: RunHistory;
  historyB: RunHistory;
  diff: FieldDiff[];
}

export interface HistorySlice {
  runs: RunSummary[];
  compareIds: string[];
  comparison: Comparison | null;
  historyError: string | null;
  refreshRuns(): Promise<void>;
  toggleCompare(runId: string): void;
  loadComparison(): Promise<void>;
}

export const createHistorySlice: SliceCreator<HistorySlice> = (set, get, { api }) => {
  const fail = (text: string): void => set({ historyError: text });
  return {
    runs: [],
    compareIds: [],
    comparison: null,
    historyError: null,
    refreshRuns: async () => {
      const r = valueOr(await api.call('runs.list', {}), fail);
      if (r) set({ runs: r.runs });
    },
    toggleCompare: (runId) => {
      const ids = get().compareIds;
      // A third pick drops the oldest, so two stay picked.
      const next = ids.includes(runId) ? ids.filter((x) => x !== runId) : [...ids, runId].slice(-2);
      set({ compareIds: next, comparison: null });
    },
    loadComparison: async () => {
      const [idA, idB] = get().compareIds;
      const a = get().runs.find((r) => r.runId === idA);
      const b = get().runs.find((r) => r.runId === idB);
      if (!a || !b) return fail('Pick two runs to compare.');
      const [ha, hb] = await Promise.all([api.call('runs.history', { runId: a.runId }), api.call('runs.history', { runId: b.runId })]);
      const historyA = valueOr(ha, fail);
      const historyB = valueOr(hb, fail);
      if (!historyA || !historyB) return;
      const diff = configDiff(completeConfig(a.config), completeConfig(b.config));
      set({ comparison: { a, b, historyA, historyB, diff }, historyError: null });
    },
  };
};
