// AdamW, schedules and clipping against torch/transformers values (fixture written by
// core/tools/make-train-fixtures.py) and against an independent float64 JS formula.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { AdamW } from './adamw';
import { lrLambda, validateSchedule, type ScheduleKind } from './schedule';
import { clipByGlobalNorm } from './clip';

interface AdamCase { shape: [number, number]; lrs: number[]; weight_decay: number; betas: [number, number]; eps: number; params: number[][] }
interface Ref {
  schedules: { kind: ScheduleKind; warmup: number; total: number; values: number[] }[];
  adamw: AdamCase[];
  clip: { max_norm: number; norm: number; grads: number[][] }[];
}
const ref = JSON.parse(readFileSync(new URL('./fixtures/train-reference.json', import.meta.url), 'utf8')) as Ref;

const gradAt = (t: number, i: number): number => Math.sin(0.7 * i + 1.3 * t) * (0.5 + 0.1 * t);
const initAt = (i: number): number => Math.cos(0.3 * i);

/** torch.optim.AdamW written out in float64, one element at a time. */
function adamwFloat64(c: AdamCase): number[][] {
  const n = c.shape[0] * c.shape[1];
  const p = Float64Array.from({ length: n }, (_, i) => initAt(i));
  const m = new Float64Array(n);
  const v = new Float64Array(n);
  const [b1, b2] = c.betas;
  const trace: number[][] = [];
  c.lrs.forEach((lr, t) => {
    const step = t + 1;
    for (let i = 0; i < n; i++) {
      const g = gradAt(t, i);
      p[i] *= 1 - lr * c.weight_decay;
      m[i] = b1 * m[i] + (1 - b1) * g;
      v[i] = b2 * v[i] + (1 - b2) * g * g;
      const mHat = m[i] / (1 - b1 ** step);
      const denom = Math.sqrt(v[i]) / Math.sqrt(1 - b2 ** step) + c.eps;
      p[i] -= (lr * mHat) / denom;
    }
    trace.push([...p]);
  });
  return trace;
}

function adamwTfjs(c: AdamCase): number[][] {
  const n = c.shape[0] * c.shape[1];
  const w = tf.variable(tf.tensor(Array.from({ length: n }, (_, i) => initAt(i)), c.shape));
  const opt = new AdamW([['w', w]], { betas: c.betas, eps: c.eps, weightDecay: c.weight_decay });
  const trace: number[][] = [];
  c.lrs.forEach((lr, t) => {
    const g = tf.tensor(Array.from({ length: n }, (_, i) => gradAt(t, i)), c.shape);
    opt.step(new Map([['w', g]]), lr);
    g.dispose();
    trace.push([...w.dataSync()]);
  });
  opt.dispose();
  w.dispose();
  return trace;
}

/** max |a − b| / max(|b|, 1e-3): relative, with a floor so values crossing 0 stay meaningful. */
function maxRel(a: number[], b: number[]): number {
  return Math.max(...a.map((x, i) => Math.abs(x - b[i]) / Math.max(Math.abs(b[i]), 1e-3)));
}

describe('AdamW', () => {
  it('equals torch.optim.AdamW (float64 fixture) and the float64 formula within 1e-5 relative', () => {
    for (const c of ref.adamw) {
      const ours = adamwTfjs(c);
      const f64 = adamwFloat64(c);
      c.params.forEach((torchStep, t) => {
        expect(maxRel(f64[t], torchStep)).toBeLessThan(1e-12); // the formula is torch's
        expect(maxRel(ours[t], torchStep)).toBeLessThan(1e-5);
      });
      // The update moved the parameters by far more than the tolerance: the check can fail.
      expect(maxRel(c.params[c.params.length - 1], Array.from({ length: ours[0].length }, (_, i) => initAt(i)))).toBeGreaterThan(1e-2);
    }
  });

  it('round-trips its state and refuses a wrong shape without changing anything', () => {
    const w = tf.variable(tf.ones([2, 2]));
    const opt = new AdamW([['w', w]], { betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 });
    const g = tf.fill([2, 2], 0.5);
    opt.step(new Map([['w', g]]), 0.1);
    const st = opt.stateTensors();
    expect(() => opt.loadState({ 'exp_avg.w': tf.zeros([3]), 'exp_avg_sq.w': tf.zeros([3]) }, 7)).toThrow(/shape \[3\], expected \[2,2\]/);
    expect(opt.stepCount).toBe(1);
    opt.loadState(st, 1);
    expect([...st['exp_avg.w'].dataSync()]).toEqual([0.05, 0.05, 0.05, 0.05].map(Math.fround));
    Object.values(st).forEach((t) => t.dispose());
    g.dispose();
    opt.dispose();
    w.dispose();
  });
});

describe('learning-rate schedules', () => {
  it('match transformers get_*_schedule_with_warmup at every step (1e-12)', () => {
    for (const s of ref.schedules) {
      const cfg = { kind: s.kind, warmupSteps: s.warmup, totalSteps: s.total };
      validateSchedule(cfg);
      s.values.forEach((v, step) => expect(Math.abs(lrLambda(cfg, step) - v)).toBeLessThan(1e-12));
    }
  });

  it('rejects unknown kinds and bad step counts with the valid choices', () => {
    expect(() => validateSchedule({ kind: 'poly' as ScheduleKind, warmupSteps: 0, totalSteps: 3 })).toThrow(/valid: constant, linear, cosine/);
    expect(() => validateSchedule({ kind: 'linear', warmupSteps: -1, totalSteps: 3 })).toThrow(/warmup_steps=-1/);
  });
});

describe('clip by global norm', () => {
  it('matches torch.nn.utils.clip_grad_norm_', () => {
    const gradAtScaled = [Array.from({ length: 6 }, (_, i) => gradAt(0, i) * 3), Array.from({ length: 4 }, (_, i) => gradAt(1, i))];
    for (const c of ref.clip) {
      const grads = new Map(gradAtScaled.map((g, i) => [String(i), tf.tensor(g)]));
      const out = clipByGlobalNorm(grads, c.max_norm);
      expect(Math.abs(out.norm - c.norm) / c.norm).toBeLessThan(1e-6);
      c.grads.forEach((g, i) => expect(maxRel([...out.grads.get(String(i))!.dataSync()], g)).toBeLessThan(1e-6));
      new Set([...grads.values(), ...out.grads.values()]).forEach((t) => t.dispose());
    }
  });
});
