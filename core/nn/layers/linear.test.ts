import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Conv1D, Linear } from './linear';
import { conv1dGpt2, linear } from '../functional';
import { f32, linear64, rand64, relErr, transpose64, type A64 } from '../../testing/ref64-nn';
import { gradCheck, tensorGrowth, toA64 } from '../test-helpers';

// fp32 forward and gradients against float64: 1e-5 relative to the output's scale.
const TOL = 1e-5;

describe('functional linear / Conv1D vs float64', () => {
  const x = f32(rand64([2, 3, 5], 1));
  const w = f32(rand64([4, 5], 2));
  const b = f32(rand64([4], 3));
  const cot = rand64([2, 3, 4], 4);

  it('linear with bias: output and gradients of x, W, b', () => {
    const r = gradCheck(([xt, wt, bt]) => linear(xt, wt, bt), ([x6, w6, b6]) => linear64(x6, w6, b6), [x, w, b], cot);
    expect(r.forward).toBeLessThan(TOL);
    r.grads.forEach((e) => expect(e).toBeLessThan(TOL));
  });

  it('linear without bias', () => {
    const r = gradCheck(([xt, wt]) => linear(xt, wt), ([x6, w6]) => linear64(x6, w6), [x, w], cot);
    expect(r.forward).toBeLessThan(TOL);
    r.grads.forEach((e) => expect(e).toBeLessThan(TOL));
  });

  it('Conv1D (GPT-2 layout, W stored [in, out]) equals linear with Wᵀ', () => {
    const wio = transpose64(w); // [5, 4]
    const ref = ([x6, w6, b6]: A64[]): A64 => linear64(x6, transpose64(w6), b6);
    const r = gradCheck(([xt, wt, bt]) => conv1dGpt2(xt, wt, bt), ref, [x, wio, b], cot);
    expect(r.forward).toBeLessThan(TOL);
    r.grads.forEach((e) => expect(e).toBeLessThan(TOL));
  });

  it('rejects mismatched shapes naming them', () => {
    const xt = tf.zeros([2, 6]);
    const wt = tf.zeros([4, 5]);
    expect(() => linear(xt, wt)).toThrow(/\[2,6\].*\[4,5\].*in_features=5/);
    expect(() => linear(tf.zeros([2, 5]), wt, tf.zeros([3]))).toThrow(/bias \[3\] must be \[4\]/);
    tf.dispose([xt, wt]);
  });
});

describe('Linear / Conv1D modules', () => {
  it('Linear: PyTorch shapes, names, info, seeded kaiming-uniform init', () => {
    const a = new Linear(6, 3, { seed: 7 });
    const b = new Linear(6, 3, { seed: 7 });
    expect(a.weight.shape).toEqual([3, 6]);
    expect(a.bias?.shape).toEqual([3]);
    expect(a.namedParameters().map(([n]) => n)).toEqual(['weight', 'bias']);
    expect(Array.from(a.weight.dataSync())).toEqual(Array.from(b.weight.dataSync()));
    const bound = 1 / Math.sqrt(6);
    const wv = a.weight.dataSync();
    expect(Math.max(...Array.from(wv).map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...Array.from(wv).map(Math.abs))).toBeGreaterThan(bound * 0.5);
    expect(a.info('enc.fc')).toMatchObject({ path: 'enc.fc', type: 'Linear', inFeatures: 6, outFeatures: 3, numParams: 21, params: { weight: [3, 6], bias: [3] } });
    const nb = new Linear(6, 3, { bias: false, seed: 1 });
    expect(nb.bias).toBeUndefined();
    [a, b, nb].forEach((m) => m.dispose());
  });

  it('Linear forward equals float64 x Wᵀ + b on a 3-D input', () => {
    const m = new Linear(5, 4, { seed: 3 });
    const x = f32(rand64([2, 3, 5], 9));
    const y = tf.tidy(() => m.forward(tf.tensor(Float32Array.from(x.data), x.shape)));
    const ref = linear64(x, toA64(m.weight), toA64(m.bias as tf.Variable));
    expect(y.shape).toEqual([2, 3, 4]);
    expect(relErr(y.dataSync(), ref.data)).toBeLessThan(TOL);
    y.dispose();
    m.dispose();
  });

  it('Conv1D: weight [nx, nf], N(0, 0.02) init, zero bias, info in/out', () => {
    const m = new Conv1D(12, 4, { seed: 5 });
    expect(m.weight.shape).toEqual([4, 12]);
    expect(Array.from(m.bias?.dataSync() ?? [])).toEqual(new Array(12).fill(0));
    const sd = Math.sqrt(Array.from(m.weight.dataSync()).reduce((s, v) => s + v * v, 0) / 48);
    expect(sd).toBeGreaterThan(0.01);
    expect(sd).toBeLessThan(0.04);
    expect(m.info('h.0.attn.c_attn')).toMatchObject({ type: 'Conv1D', inFeatures: 4, outFeatures: 12 });
    m.dispose();
  });

  it('numTensors is stable over repeated forward/backward', () => {
    const m = new Linear(5, 4, { seed: 1 });
    const x = tf.ones([3, 5]);
    const step = (): void => {
      const { value, grads } = tf.variableGrads(() => tf.sum(m.forward(x)) as tf.Scalar, [m.weight, m.bias as tf.Variable]);
      value.dispose();
      tf.dispose(Object.values(grads));
    };
    expect(tensorGrowth(step)).toBe(0);
    x.dispose();
    m.dispose();
  });
});
