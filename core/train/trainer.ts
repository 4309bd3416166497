// The training loop: micro-batches in a seeded order, gradient accumulation, clipping by
// global norm, AdamW with a warmup schedule, periodic evaluation/diagnostics/checkpoints,
// early stopping, and pause/resume/cancel between optimizer steps.
import * as tf from '@tensorflow/tfjs';
import { countParameters } from '../nn/module';
import { AdamW } from './adamw';
import { stepPlan, type TrainingArguments } from './args';
import { decodeCheckpoint, disposeContent, encodeCheckpoint, TRAINER_STATE_VERSION, type TrainerState } from './checkpoint';
import { clipByGlobalNorm } from './clip';
import type { EvalMetrics, LayerDiagnostics, TrainEvent, TrainEventListener } from './events';
import { epochOrder } from './rng';
import { captureRngStates, prepareRngRestore } from './rng-state';
import { lrLambda, type ScheduleConfig } from './schedule';
import { checkpointName, checkpointStep, type CheckpointFiles, type CheckpointStore } from './store';
import type { TrainTask } from './task';

export interface TrainerOptions {
  task: TrainTask;
  args: TrainingArguments;
  store?: CheckpointStore;
  /** The adapter in PEFT format (adapter_config.json, adapter_model.safetensors) for checkpoints. */
  exportAdapter?: () => Promise<CheckpointFiles>;
  diagnostics?: () => LayerDiagnostics[];
  /** Weight decay applies to a parameter when true (default: everything but biases and norms). */
  decays?: (name: string) => boolean;
}

export type TrainOutcome = 'completed' | 'early-stopped' | 'cancelled';

/** transformers' Trainer exempts biases and LayerNorm/RMSNorm weights from weight decay. */
export function defaultDecays(name: string): boolean {
  return !/(^|\.)bias$/.test(name) && !/(layernorm|layer_norm|ln_\w+|norm\d*)\.weight$/i.test(name);
}

export class Trainer {
  readonly totalSteps: number;
  private readonly batchesPerEpoch: number;
  private readonly params: [string, tf.Variable][];
  private readonly optimizer: AdamW;
  private readonly schedule: ScheduleConfig;
  private state: TrainerState;
  private order: { epoch: number; idx: Int32Array } | null = null;
  private pauseGate: { promise: Promise<void>; release: () => void } | null = null;
  private cancelRequested = false;
  private listener: TrainEventListener = () => {};
  private lastEvalStep = -1;

  constructor(private readonly o: TrainerOptions) {
    const a = o.args;
    const plan = stepPlan(a, o.task.numExamples);
    this.totalSteps = plan.totalSteps;
    this.batchesPerEpoch = plan.batchesPerEpoch;
    this.params = o.task.model.namedParameters().filter(([, p]) => p.trainable);
    if (this.params.length === 0) throw new Error('the model has no trainable parameters (did you wrap it with getPeftModel?)');
    this.optimizer = new AdamW(this.params, { betas: [a.adam_beta1, a.adam_beta2], eps: a.adam_epsilon, weightDecay: a.weight_decay }, o.decays ?? defaultDecays);
    const kind = a.lr_scheduler_type === 'constant_with_warmup' ? 'constant' : a.lr_scheduler_type;
    this.schedule = { kind, warmupSteps: a.warmup_steps, totalSteps: this.totalSteps };
    this.state = { format: 'boft-studio-trainer', version: TRAINER_STATE_VERSION, step: 0, micro: 0, totalSteps: this.totalSteps, seed: a.seed, bestMetric: null, badEvals: 0, rng: {} };
  }

  get step(): number {
    return this.state.step;
  }

  /** Learning rate of the next optimizer step. */
  currentLr(): number {
    return this.o.args.learning_rate * lrLambda(this.schedule, this.state.step);
  }

  pause(): void {
    if (this.pauseGate) return;
    let release = (): void => {};
    const promise = new Promise<void>((r) => (release = r));
    this.pauseGate = { promise, release };
  }

  resume(): void {
    const g = this.pauseGate;
    this.pauseGate = null;
    g?.release();
  }

  /** Stops after the current step, saving a checkpoint when a store is configured. */
  cancel(): void {
    this.cancelRequested = true;
    this.resume();
  }

  /** Runs to the end (or cancel / early stop). Events go to `listener` synchronously. */
  async run(listener: TrainEventListener = () => {}): Promise<TrainOutcome> {
    this.listener = listener;
    const t = this.o.task;
    this.emit({ type: 'start', totalSteps: this.totalSteps, step: this.state.step, trainableParams: countParameters(t.model, true), totalParams: countParameters(t.model), numExamples: t.numExamples, resumed: this.state.step > 0 });
    try {
      return await this.loop();
    } catch (e) {
      this.emit({ type: 'error', step: this.state.step, message: (e as Error).message });
      throw e;
    }
  }

  private async loop(): Promise<TrainOutcome> {
    const a = this.o.args;
    const t0 = performance.now();
    const startStep = this.state.step;
    while (this.state.step < this.totalSteps) {
      if (await this.waitIfPaused()) return this.finishCancelled();
      const s0 = performance.now();
      const { loss, gradNorm, lr } = this.trainStep();
      const now = performance.now();
      const done = this.state.step - startStep;
      const samples = a.per_device_train_batch_size * a.gradient_accumulation_steps;
      this.emit({
        type: 'step', step: this.state.step, totalSteps: this.totalSteps, epoch: this.state.micro / this.batchesPerEpoch, loss, lr, gradNorm,
        samplesPerSec: (samples * 1000) / (now - s0), stepMs: now - s0, etaSec: (((now - t0) / done) * (this.totalSteps - this.state.step)) / 1000,
      });
      if (this.periodic(a.diagnostics_steps) && this.o.diagnostics) this.emit({ type: 'diagnostics', step: this.state.step, layers: this.o.diagnostics() });
      if (this.periodic(a.eval_steps) && this.evaluateAndCheckStop()) {
        await this.saveIfStore();
        this.emit({ type: 'done', step: this.state.step, reason: 'early-stopped' });
        return 'early-stopped';
      }
      if (this.periodic(a.save_steps)) await this.saveIfStore();
      await new Promise((r) => setTimeout(r, 0)); // let pause/cancel/IPC callbacks run
    }
    if (this.lastEvalStep !== this.state.step) this.evaluateAndCheckStop();
    if (a.save_steps > 0 && !this.periodic(a.save_steps)) await this.saveIfStore();
    this.emit({ type: 'done', step: this.state.step, reason: 'completed' });
    return 'completed';
  }

  private periodic(every: number): boolean {
    return every > 0 && this.state.step % every === 0;
  }

  /** True when cancelled (possibly while paused). */
  private async waitIfPaused(): Promise<boolean> {
    if (this.cancelRequested) return true;
    if (!this.pauseGate) return false;
    this.emit({ type: 'paused', step: this.state.step });
    while (this.pauseGate && !this.cancelRequested) await this.pauseGate.promise;
    if (this.cancelRequested) return true;
    this.emit({ type: 'resumed', step: this.state.step });
    return false;
  }

  private async finishCancelled(): Promise<TrainOutcome> {
    const location = await this.saveIfStore();
    this.emit({ type: 'cancelled', step: this.state.step, checkpoint: location });
    return 'cancelled';
  }

  /** Examples of the next micro-batch; the order of an epoch is a function of (seed, epoch). */
  private nextMicroBatch(): Int32Array {
    const epoch = Math.floor(this.state.micro / this.batchesPerEpoch);
    const pos = this.state.micro % this.batchesPerEpoch;
    if (!this.order || this.order.epoch !== epoch) this.order = { epoch, idx: epochOrder(this.o.task.numExamples, this.state.seed, epoch, true) };
    this.state.micro += 1;
    const bs = this.o.args.per_device_train_batch_size;
    return this.order.idx.subarray(pos * bs, Math.min((pos + 1) * bs, this.order.idx.length));
  }

  /** One optimizer step over gradient_accumulation_steps micro-batches. */
  private trainStep(): { loss: number; gradNorm: number; lr: number } {
    const accum = this.o.args.gradient_accumulation_steps;
    const byVar = new Map(this.params.map(([n, p]) => [p.name, n]));
    const sum = new Map<string, tf.Tensor>();
    let loss = 0;
    for (let i = 0; i < accum; i++) {
      const idx = this.nextMicroBatch();
      const { value, grads } = tf.variableGrads(() => tf.tidy(() => tf.div(this.o.task.loss(idx), accum) as tf.Scalar), this.params.map(([, p]) => p));
      loss += value.dataSync()[0];
      value.dispose();
      for (const [vname, g] of Object.entries(grads)) {
        const name = byVar.get(vname) ?? vname;
        const prev = sum.get(name);
        sum.set(name, prev ? tf.add(prev, g) : g);
        if (prev) { prev.dispose(); g.dispose(); }
      }
    }
    const maxNorm = this.o.args.max_grad_norm > 0 ? this.o.args.max_grad_norm : null;
    const clipped = clipByGlobalNorm(sum, maxNorm);
    const lr = this.currentLr();
    this.optimizer.step(clipped.grads, lr);
    new Set([...sum.values(), ...clipped.grads.values()]).forEach((g) => g.dispose());
    this.state.step += 1;
    return { loss, gradNorm: clipped.norm, lr };
  }

  evaluate(): EvalMetrics | null {
    return this.o.task.evaluate(this.o.args.per_device_eval_batch_size);
  }

  /** Evaluates, emits, and updates early stopping; true when training should stop. */
  private evaluateAndCheckStop(): boolean {
    this.lastEvalStep = this.state.step;
    const metrics = this.evaluate();
    if (!metrics) return false;
    this.emit({ type: 'eval', step: this.state.step, metrics });
    const a = this.o.args;
    const value = metrics[a.metric_for_best_model];
    if (value === undefined) throw new Error(`metric_for_best_model='${a.metric_for_best_model}' is not computed for a ${this.o.task.kind} task (metrics: ${Object.keys(metrics).join(', ')})`);
    const better = a.metric_for_best_model === 'eval_loss' ? (x: number, y: number) => x < y : (x: number, y: number) => x > y;
    const best = this.state.bestMetric;
    if (best === null || (better(value, best) && Math.abs(value - best) > a.early_stopping_threshold)) {
      this.state.bestMetric = value;
      this.state.badEvals = 0;
    } else {
      this.state.badEvals += 1;
    }
    if (a.early_stopping_patience > 0 && this.state.badEvals >= a.early_stopping_patience) {
      this.emit({ type: 'early-stop', step: this.state.step, metric: a.metric_for_best_model, best: this.state.bestMetric ?? value });
      return true;
    }
    return false;
  }

  /** Writes checkpoint-<step> and prunes old ones beyond save_total_limit; null without a store. */
  async saveIfStore(): Promise<string | null> {
    const store = this.o.store;
    if (!store) return null;
    const optimizer = new Map(Object.entries(this.optimizer.stateTensors()));
    try {
      const params = new Map(this.params.map(([n, p]) => [n, p as tf.Tensor]));
      const adapter = this.o.exportAdapter ? await this.o.exportAdapter() : new Map<string, Uint8Array>();
      const state: TrainerState = { ...this.state, version: TRAINER_STATE_VERSION, rng: captureRngStates(this.o.task.model) };
      const files = await encodeCheckpoint({ state, params, optimizer }, adapter);
      const name = checkpointName(this.state.step);
      const location = await store.save(name, files);
      this.emit({ type: 'checkpoint', step: this.state.step, name, location });
      const all = (await store.list()).filter((n) => checkpointStep(n) !== null);
      for (const old of all.slice(0, Math.max(0, all.length - this.o.args.save_total_limit))) await store.remove(old);
      return location;
    } finally {
      optimizer.forEach((t) => t.dispose());
    }
  }

  /** Restores parameters, optimizer and data position; validates everything before changing anything. */
  restore(files: CheckpointFiles, where: string): void {
    const c = decodeCheckpoint(files, where);
    try {
      if (c.state.seed !== this.state.seed || c.state.totalSteps !== this.totalSteps) {
        throw new Error(`checkpoint ${where} was made with seed=${c.state.seed}, ${c.state.totalSteps} steps; this run has seed=${this.state.seed}, ${this.totalSteps} steps`);
      }
      for (const [n, p] of this.params) {
        const t = c.params.get(n);
        if (!t || t.shape.join(',') !== p.shape.join(',')) {
          throw new Error(`checkpoint ${where}: trainable parameter '${n}' [${p.shape}] is ${t ? `[${t.shape}]` : 'missing'} in the checkpoint`);
        }
      }
      const installRng = prepareRngRestore(this.o.task.model, c.state.rng, where, c.state.version);
      this.optimizer.loadState(Object.fromEntries(c.optimizer), c.state.step); // validates first
      for (const [n, p] of this.params) p.assign(c.params.get(n)!);
      installRng();
      this.state = { ...c.state, version: TRAINER_STATE_VERSION };
      this.order = null;
    } finally {
      disposeContent(c);
    }
  }

  /** Restores the newest checkpoint in the store; returns its name, or null when there is none. */
  async restoreLatest(): Promise<string | null> {
    const store = this.o.store;
    if (!store) return null;
    const names = (await store.list()).filter((n) => checkpointStep(n) !== null);
    const last = names[names.length - 1];
    if (!last) return null;
    this.restore(await store.load(last), last);
    return last;
  }

  private emit(e: TrainEvent): void {
    this.listener(e);
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}
