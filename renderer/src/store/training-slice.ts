// Training: settings, run state, live series. Events write into append-only series at once
// and bump `chartVersion` at most once a frame, so a fast event stream costs one redraw.
import type { CheckpointRef, DatasetSpec, EvalMetrics, HyperParams, LayerDiagnostics, RunHistory, RunState, RunSummary, StepMetrics, StudioEvent } from '../api';
import { Series } from '../lib/series';
import { valueOr, type SliceCreator } from './types';

export interface TrainingSeries {
  trainLoss: Series;
  evalLoss: Series;
  lr: Series;
  gradNorm: Series;
  throughput: Series;
  eta: Series;
  maxQMinusI: Series;
  maxOrthoError: Series;
  maxScaleDrift: Series;
}

export type UiRunState = RunState | 'idle';

export interface TrainingSlice {
  adapterName: string;
  hyper: HyperParams;
  dataset: DatasetSpec;
  run: RunSummary | null;
  runState: UiRunState;
  runMessage: string | null;
  series: TrainingSeries;
  chartVersion: number;
  latest: StepMetrics | null;
  lastEval: EvalMetrics | null;
  layerDiagnostics: LayerDiagnostics[];
  lastCheckpoint: CheckpointRef | null;
  setAdapterName(name: string): void;
  setHyper<K extends keyof HyperParams>(key: K, value: HyperParams[K]): void;
  setDataset(dataset: DatasetSpec): void;
  startTraining(resumeFrom?: CheckpointRef): Promise<void>;
  pauseTraining(): Promise<void>;
  resumeTraining(): Promise<void>;
  cancelTraining(): Promise<void>;
  /** Rebuilds the charts of a run in progress from its history (after a reload). */
  restoreRun(summary: RunSummary, history: RunHistory): void;
  /** Routes one pushed training event; called by the binder, outside React. */
  ingestTraining(event: StudioEvent): void;
}

export const DEFAULT_HYPER: HyperParams = {
  epochs: 1, batchSize: 32, learningRate: 1e-3, weightDecay: 0, schedule: 'constant', warmupSteps: 0, maxGradNorm: 1,
  gradAccumulation: 1, evalEvery: 20, checkpointEvery: 100, earlyStoppingPatience: null, seed: 0, backend: 'auto',
};

export function emptySeries(): TrainingSeries {
  return {
    trainLoss: new Series(), evalLoss: new Series(), lr: new Series(), gradNorm: new Series(), throughput: new Series(),
    eta: new Series(), maxQMinusI: new Series(), maxOrthoError: new Series(), maxScaleDrift: new Series(),
  };
}

/** JSON carries a diverged metric as null; charts draw it as a gap. */
function num(v: number | null | undefined): number {
  return v === null || v === undefined ? NaN : v;
}

function maxOf(layers: LayerDiagnostics[], key: 'qMinusINorm' | 'orthoError' | 'scaleDrift'): number {
  return layers.reduce((m, l) => Math.max(m, num(l[key])), 0);
}

function pushStep(s: TrainingSeries, m: StepMetrics): void {
  s.trainLoss.push(m.step, num(m.loss));
  s.lr.push(m.step, m.lr);
  s.gradNorm.push(m.step, num(m.gradNorm));
  s.throughput.push(m.step, m.samplesPerSec);
  s.eta.push(m.step, num(m.etaSec));
}

function pushDiagnostics(s: TrainingSeries, step: number, layers: LayerDiagnostics[]): void {
  s.maxQMinusI.push(step, maxOf(layers, 'qMinusINorm'));
  s.maxOrthoError.push(step, maxOf(layers, 'orthoError'));
  s.maxScaleDrift.push(step, maxOf(layers, 'scaleDrift'));
}

const ACTIVE: ReadonlySet<UiRunState> = new Set(['starting', 'running', 'paused', 'cancelling']);
export const isActive = (s: UiRunState): boolean => ACTIVE.has(s);

export const createTrainingSlice: SliceCreator<TrainingSlice> = (set, get, { api, schedule }) => {
  let dirty = false;
  let pending: Partial<TrainingSlice> = {};
  const flush = (): void => {
    dirty = false;
    set({ ...pending, chartVersion: get().chartVersion + 1 });
    pending = {};
  };
  const later = (patch: Partial<TrainingSlice>): void => {
    pending = { ...pending, ...patch };
    if (dirty) return;
    dirty = true;
    schedule(flush);
  };
  const fail = (text: string): void => set({ runMessage: text });
  const control = async (method: 'training.pause' | 'training.resume' | 'training.cancel'): Promise<void> => {
    const run = get().run;
    if (!run) return fail('No run in progress.');
    const r = valueOr(await api.call(method, { runId: run.runId }), fail);
    if (r) set({ run: r, runState: r.state });
  };
  return {
    adapterName: 'default',
    hyper: DEFAULT_HYPER,
    dataset: { kind: 'sample' },
    run: null,
    runState: 'idle',
    runMessage: null,
    series: emptySeries(),
    chartVersion: 0,
    latest: null,
    lastEval: null,
    layerDiagnostics: [],
    lastCheckpoint: null,
    setAdapterName: (adapterName) => set({ adapterName }),
    setHyper: (key, value) => set({ hyper: { ...get().hyper, [key]: value } }),
    setDataset: (dataset) => set({ dataset }),
    startTraining: async (resumeFrom) => {
      set({ runState: 'starting', runMessage: null, series: emptySeries(), latest: null, lastEval: null, layerDiagnostics: [], chartVersion: get().chartVersion + 1 });
      const { adapterName, config, hyper, dataset } = get();
      const params = resumeFrom ? { adapterName, config, hyper, dataset, resumeFrom } : { adapterName, config, hyper, dataset };
      const r = await api.call('training.start', params);
      if (!r.ok) {
        set({ runState: 'failed', runMessage: `${r.error.message} (${r.error.code})` });
        return;
      }
      // A run.state event may already have moved the run on; keep the later state.
      set({ run: r.value, runState: get().run?.runId === r.value.runId ? get().runState : r.value.state });
    },
    pauseTraining: () => control('training.pause'),
    resumeTraining: () => control('training.resume'),
    cancelTraining: () => control('training.cancel'),
    restoreRun: (summary, history) => {
      const s = emptySeries();
      for (const m of history.steps) pushStep(s, m);
      for (const e of history.evals) s.evalLoss.push(e.step, num(e.loss));
      for (const d of history.diagnostics) pushDiagnostics(s, d.step, d.layers);
      const lastDiag = history.diagnostics[history.diagnostics.length - 1];
      set({
        run: summary, runState: summary.state, series: s, chartVersion: get().chartVersion + 1, latest: summary.lastStep,
        lastEval: summary.lastEval, layerDiagnostics: lastDiag ? lastDiag.layers : [], lastCheckpoint: summary.lastCheckpoint,
      });
    },
    ingestTraining: (e) => {
      const s = get().series;
      switch (e.type) {
        case 'run.state':
          set({ run: e.summary, runState: e.state, runMessage: e.summary.error ? `${e.summary.error.message} (${e.summary.error.code})` : null });
          if (!isActive(e.state)) {
            void get().refreshAdapters();
            void get().refreshRuns();
          }
          return;
        case 'train.step':
          pushStep(s, e.metrics);
          return later({ latest: e.metrics });
        case 'train.eval':
          s.evalLoss.push(e.metrics.step, num(e.metrics.loss));
          return later({ lastEval: e.metrics });
        case 'train.diagnostics':
          pushDiagnostics(s, e.step, e.layers);
          return later({ layerDiagnostics: e.layers });
        case 'train.checkpoint':
          set({ lastCheckpoint: e.checkpoint });
          return;
        default:
          return;
      }
    },
  };
};
