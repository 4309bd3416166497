import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { applyRotary, FLOAT32_MIN, mergeHeads, paddingMask, repeatKv, rotaryCosSin, rotaryInvFreq, scaledDotProductAttention, splitHeads } from './attention';
import { attention64, f32, rand64, relErr, rope64, type A64 } from '../testing/ref64-nn';
import { gradCheck, tensorGrowth, toTensor } from './test-helpers';

// fp32 vs float64, relative to the output (gradient) scale.
const TOL = 1e-5;

describe('scaledDotProductAttention vs float64 (output and gradients of q, k, v)', () => {
  const q = f32(rand64([2, 4, 3, 4], 1, 1.5));
  const k4 = f32(rand64([2, 4, 3, 4], 2, 1.5));
  const v4 = f32(rand64([2, 4, 3, 4], 3));
  const k2 = f32(rand64([2, 2, 5, 4], 4, 1.5));
  const v2 = f32(rand64([2, 2, 5, 3], 5));

  const check = (qa: A64, ka: A64, va: A64, opts: { causal?: boolean; scale?: number; keyMask?: number[][] }): void => {
    const maskT = opts.keyMask ? tf.tensor4d(opts.keyMask.flat(), [opts.keyMask.length, 1, 1, opts.keyMask[0].length]) : undefined;
    const f = ([qt, kt, vt]: tf.Tensor[]): tf.Tensor =>
      scaledDotProductAttention(qt as tf.Tensor4D, kt as tf.Tensor4D, vt as tf.Tensor4D, { causal: opts.causal, scale: opts.scale, mask: maskT });
    const ref = ([q6, k6, v6]: A64[]): A64 => attention64(q6, k6, v6, opts);
    const r = gradCheck(f, ref, [qa, ka, va], rand64(ref([qa, ka, va]).shape, 7));
    expect(r.forward).toBeLessThan(TOL);
    r.grads.forEach((e) => expect(e).toBeLessThan(TOL));
    maskT?.dispose();
  };

  it('multi-head, default scale 1/√D', () => check(q, k4, v4, {}));
  it('causal, Tq = Tk', () => check(q, k4, v4, { causal: true }));
  it('grouped-query (H = 4, Hkv = 2), Tk = 5 > Tq = 3, causal aligned to the last query, Dv ≠ D', () => check(q, k2, v2, { causal: true }));
  it('padding mask from an attention_mask, explicit scale', () => {
    const am = [[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]];
    const keyMask = am.map((r) => r.map((m) => (1 - m) * FLOAT32_MIN));
    const pm = paddingMask(tf.tensor2d(am, [2, 5], 'int32'));
    expect(pm.shape).toEqual([2, 1, 1, 5]);
    expect(Array.from(pm.dataSync())).toEqual(keyMask.flat().map(Math.fround));
    pm.dispose();
    check(q, k2, v2, { keyMask, scale: 0.3 });
  });

  it('refuses incompatible head counts', () => {
    const qt = tf.zeros([1, 3, 2, 4]) as tf.Tensor4D;
    const kt = tf.zeros([1, 2, 2, 4]) as tf.Tensor4D;
    expect(() => scaledDotProductAttention(qt, kt, kt)).toThrow(/H divisible by Hkv/);
    tf.dispose([qt, kt]);
  });

  it('numTensors is stable over repeated forward/backward', () => {
    const [qt, kt, vt] = [q, k2, v2].map(toTensor) as tf.Tensor4D[];
    const step = (): void => {
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(scaledDotProductAttention(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D, { causal: true })))([qt, kt, vt]);
      tf.dispose(g);
    };
    expect(tensorGrowth(step)).toBe(0);
    tf.dispose([qt, kt, vt]);
  });
});

describe('heads and rotary embeddings', () => {
  it('repeatKv gives head h the kv head ⌊h / nRep⌋; split/merge heads round-trip', () => {
    const x = tf.tensor4d([1, 2, 3, 4], [1, 2, 1, 2]);
    expect(Array.from(repeatKv(x, 2).dataSync())).toEqual([1, 2, 1, 2, 3, 4, 3, 4]);
    const h = tf.tensor3d(Array.from({ length: 12 }, (_, i) => i), [1, 2, 6]);
    const s = splitHeads(h, 3);
    expect(s.shape).toEqual([1, 3, 2, 2]);
    expect(Array.from(s.dataSync())).toEqual([0, 1, 6, 7, 2, 3, 8, 9, 4, 5, 10, 11]);
    expect(Array.from(mergeHeads(s).dataSync())).toEqual(Array.from(h.dataSync()));
    tf.dispose([x, h, s]);
  });

  it('inv_freq rounds like torch fp32', () => {
    const inv = rotaryInvFreq(8, 10000);
    expect(inv[0]).toBe(1);
    expect(inv[1]).toBe(Math.fround(1 / Math.fround(Math.pow(10000, Math.fround(0.25)))));
    expect(() => rotaryInvFreq(7, 10000)).toThrow(/head_dim=7 must be even/);
  });

  it('applyRotary equals the float64 rotation (rope_theta 10000 and 1e6), with gradients', () => {
    const positions = [[0, 1, 2, 7], [3, 4, 5, 29]];
    for (const theta of [10000, 1e6]) {
      const x = f32(rand64([2, 2, 4, 8], theta === 10000 ? 1 : 2));
      const { cos, sin } = rotaryCosSin(positions, 8, theta);
      const r = gradCheck(([xt]) => applyRotary(xt as tf.Tensor4D, cos, sin), ([x6]) => rope64(x6, positions, theta), [x], rand64([2, 2, 4, 8], 3));
      expect(r.forward).toBeLessThan(TOL);
      expect(r.grads[0]).toBeLessThan(TOL);
      tf.dispose([cos, sin]);
    }
  });

  it('rotation preserves norms and position 0 is the identity', () => {
    const x = f32(rand64([1, 1, 2, 4], 4));
    const { cos, sin } = rotaryCosSin([[0, 5]], 4, 10000);
    const y = applyRotary(toTensor(x) as tf.Tensor4D, cos, sin).dataSync();
    expect(relErr(y.slice(0, 4), x.data.slice(0, 4))).toBe(0);
    const n = (a: ArrayLike<number>): number => Math.hypot(...Array.from(a));
    expect(Math.abs(n(y.slice(4)) - n(x.data.slice(4)))).toBeLessThan(1e-6);
    tf.dispose([cos, sin]);
  });
});
