// AdamW with decoupled weight decay, written to match torch.optim.AdamW (amsgrad=False):
// decay first (p ← p·(1 − lr·wd)), then the bias-corrected Adam step with eps added to
// √v̂ after the bias correction, i.e. p ← p − lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + eps).
import * as tf from '@tensorflow/tfjs';

export interface AdamWConfig {
  betas: [number, number];
  eps: number;
  weightDecay: number;
}

export const ADAMW_DEFAULTS: AdamWConfig = { betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 };

interface Slot {
  param: tf.Variable;
  /** Whether weight decay applies (transformers' Trainer exempts biases and norm weights). */
  decay: boolean;
  expAvg: tf.Variable;
  expAvgSq: tf.Variable;
}

/** Named moment tensors as written to checkpoints: `exp_avg.<param>`, `exp_avg_sq.<param>`. */
export type OptimizerTensors = Record<string, tf.Tensor>;

export class AdamW {
  private readonly slots = new Map<string, Slot>();
  private t = 0;

  constructor(params: [string, tf.Variable][], readonly config: AdamWConfig, decays: (name: string) => boolean = () => true) {
    validateAdamW(config);
    for (const [name, param] of params) {
      this.slots.set(name, {
        param,
        decay: decays(name),
        expAvg: tf.variable(tf.zerosLike(param), false),
        expAvgSq: tf.variable(tf.zerosLike(param), false),
      });
    }
  }

  /** Number of updates applied so far (torch's state['step']). */
  get stepCount(): number {
    return this.t;
  }

  /** One update with learning rate `lr`; `grads` maps parameter names to gradients (not disposed here). */
  step(grads: Map<string, tf.Tensor>, lr: number): void {
    this.t += 1;
    const [b1, b2] = this.config.betas;
    const stepSize = lr / (1 - b1 ** this.t);
    const bc2Sqrt = Math.sqrt(1 - b2 ** this.t);
    for (const [name, s] of this.slots) {
      const g = grads.get(name);
      // As torch: a parameter the loss does not reach (grad None) is not updated or decayed.
      if (!g) continue;
      tf.tidy(() => {
        const wd = s.decay ? this.config.weightDecay : 0;
        const p = wd !== 0 ? tf.mul(s.param, 1 - lr * wd) : s.param;
        const m = tf.add(s.expAvg, tf.mul(tf.sub(g, s.expAvg), 1 - b1)); // torch's lerp
        const v = tf.add(tf.mul(s.expAvgSq, b2), tf.mul(tf.mul(g, g), 1 - b2));
        const denom = tf.add(tf.div(tf.sqrt(v), bc2Sqrt), this.config.eps);
        s.expAvg.assign(m);
        s.expAvgSq.assign(v);
        s.param.assign(tf.sub(p, tf.mul(tf.div(m, denom), stepSize)));
      });
    }
  }

  /** Copies of the moments, keyed for a checkpoint file; the caller disposes them. */
  stateTensors(): OptimizerTensors {
    const out: OptimizerTensors = {};
    for (const [name, s] of this.slots) {
      out[`exp_avg.${name}`] = s.expAvg.clone();
      out[`exp_avg_sq.${name}`] = s.expAvgSq.clone();
    }
    return out;
  }

  /** Restores moments and step count; validates every key and shape before changing anything. */
  loadState(tensors: OptimizerTensors, step: number): void {
    for (const [name, s] of this.slots) {
      for (const key of [`exp_avg.${name}`, `exp_avg_sq.${name}`]) {
        const t = tensors[key];
        if (!t) throw new Error(`optimizer state has no '${key}' (parameter shape [${s.param.shape}])`);
        if (t.shape.join(',') !== s.param.shape.join(',')) {
          throw new Error(`optimizer state '${key}' has shape [${t.shape}], expected [${s.param.shape}]`);
        }
      }
    }
    for (const [name, s] of this.slots) {
      s.expAvg.assign(tensors[`exp_avg.${name}`]);
      s.expAvgSq.assign(tensors[`exp_avg_sq.${name}`]);
    }
    this.t = step;
  }

  dispose(): void {
    for (const s of this.slots.values()) {
      s.expAvg.dispose();
      s.expAvgSq.dispose();
    }
    this.slots.clear();
  }
}

function validateAdamW(c: AdamWConfig): void {
  const [b1, b2] = c.betas;
  if (!(b1 >= 0 && b1 < 1) || !(b2 >= 0 && b2 < 1)) throw new Error(`adam betas=[${b1}, ${b2}] must each be in [0, 1)`);
  if (!(c.eps >= 0)) throw new Error(`adam_epsilon=${c.eps} must be >= 0`);
  if (!(c.weightDecay >= 0)) throw new Error(`weight_decay=${c.weightDecay} must be >= 0`);
}
