// Training runs as the studio sees them: a state machine per run plus its metric history,
// which is what lets a reloaded renderer redraw every chart from session.snapshot.
import { StudioError, type StudioEvent } from '../shared/contract';
import type { CheckpointRef, RunHistory, RunState, RunSummary } from '../shared/schemas';
import type { Trainer, TrainingJob, TrainingRequest, TrainingSink } from './ports';
import { toErrorData } from '../shared/dispatcher';

interface RunRecord {
  summary: RunSummary;
  history: RunHistory;
  job: TrainingJob | null;
}

/** Histories are kept whole up to this many steps, then thinned 2:1 (charts need shape, not every point). */
const MAX_STEPS_KEPT = 200_000;

const FINAL: ReadonlySet<RunState> = new Set(['completed', 'cancelled', 'failed']);

export class RunManager {
  private readonly runs = new Map<string, RunRecord>();
  private activeId: string | null = null;

  constructor(private readonly trainer: Trainer, private readonly emit: (e: StudioEvent) => void) {}

  get active(): RunRecord | null {
    return this.activeId ? (this.runs.get(this.activeId) ?? null) : null;
  }

  get busy(): boolean {
    return this.active !== null;
  }

  list(): RunSummary[] {
    return [...this.runs.values()].map((r) => r.summary);
  }

  history(runId: string): RunHistory {
    return this.get(runId).history;
  }

  start(request: TrainingRequest, base: Omit<RunSummary, 'state' | 'lastStep' | 'lastEval' | 'lastCheckpoint' | 'bundlePath' | 'error'>): RunSummary {
    if (this.active) throw new StudioError('BUSY', `run ${this.active.summary.runId} is ${this.active.summary.state}; cancel it before starting another`);
    const summary: RunSummary = { ...base, state: 'starting', lastStep: null, lastEval: null, lastCheckpoint: request.resumeFrom ?? null, bundlePath: null, error: null };
    const record: RunRecord = { summary, history: { runId: summary.runId, steps: [], evals: [], diagnostics: [] }, job: null };
    this.runs.set(summary.runId, record);
    this.activeId = summary.runId;
    this.setState(record, 'starting');
    try {
      record.job = this.trainer.start(request, this.sink(record));
    } catch (err) {
      this.fail(record, err);
      throw err instanceof StudioError ? err : new StudioError('INVALID_CONFIG', toErrorData(err).message);
    }
    this.setState(record, 'running');
    record.job.done.then(
      (outcome) => this.finish(record, outcome.state, outcome.bundlePath),
      (err: unknown) => this.fail(record, err),
    );
    return record.summary;
  }

  pause(runId: string): RunSummary {
    const r = this.live(runId, ['running']);
    r.job?.pause();
    return this.setState(r, 'paused');
  }

  resume(runId: string): RunSummary {
    const r = this.live(runId, ['paused']);
    r.job?.resume();
    return this.setState(r, 'running');
  }

  cancel(runId: string): RunSummary {
    const r = this.live(runId, ['starting', 'running', 'paused']);
    r.job?.cancel();
    return this.setState(r, 'cancelling');
  }

  private sink(r: RunRecord): TrainingSink {
    const runId = r.summary.runId;
    return {
      step: (metrics) => {
        r.summary.lastStep = metrics;
        push(r.history.steps, metrics);
        this.emit({ type: 'train.step', runId, metrics });
      },
      eval: (metrics) => {
        r.summary.lastEval = metrics;
        r.history.evals.push(metrics);
        this.emit({ type: 'train.eval', runId, metrics });
      },
      diagnostics: (step, layers) => {
        push(r.history.diagnostics, { step, layers });
        this.emit({ type: 'train.diagnostics', runId, step, layers });
      },
      checkpoint: (checkpoint: CheckpointRef) => {
        r.summary.lastCheckpoint = checkpoint;
        this.emit({ type: 'train.checkpoint', checkpoint });
      },
    };
  }

  private finish(r: RunRecord, state: 'completed' | 'cancelled', bundlePath: string | null): void {
    r.summary.bundlePath = bundlePath;
    this.setState(r, state);
  }

  private fail(r: RunRecord, err: unknown): void {
    r.summary.error = toErrorData(err);
    this.setState(r, 'failed');
  }

  private setState(r: RunRecord, state: RunState): RunSummary {
    r.summary.state = state;
    if (FINAL.has(state)) {
      r.job = null;
      if (this.activeId === r.summary.runId) this.activeId = null;
    }
    this.emit({ type: 'run.state', runId: r.summary.runId, state, summary: structuredCloneSummary(r.summary) });
    return structuredCloneSummary(r.summary);
  }

  private get(runId: string): RunRecord {
    const r = this.runs.get(runId);
    if (!r) throw new StudioError('NOT_FOUND', `no run '${runId}'`, { runs: [...this.runs.keys()] });
    return r;
  }

  private live(runId: string, allowed: RunState[]): RunRecord {
    const r = this.get(runId);
    if (!allowed.includes(r.summary.state)) {
      throw new StudioError('INVALID_REQUEST', `run ${runId} is ${r.summary.state}; this needs it to be ${allowed.join(' or ')}`);
    }
    return r;
  }
}

function push<T>(list: T[], item: T): void {
  list.push(item);
  if (list.length > MAX_STEPS_KEPT) {
    // Keep every other point of the older half so memory stays bounded on very long runs.
    const half = Math.floor(list.length / 2);
    const thinned = list.slice(0, half).filter((_, i) => i % 2 === 0);
    list.splice(0, half, ...thinned);
  }
}

function structuredCloneSummary(s: RunSummary): RunSummary {
  return JSON.parse(JSON.stringify(s)) as RunSummary;
}
