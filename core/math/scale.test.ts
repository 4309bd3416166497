import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { columnSum, scaleColumns } from './scale';
import { randn64 } from './reference64';
import { f32, relMaxErr, scoped, t64, tensorLeaks } from './test-helpers';

describe('scaleColumns', () => {
  it('equals y ⊙ s and its gradients equal the float64 formulas (1e-6 relative)', () => {
    const [T, n] = [37, 6];
    const y = f32(randn64(T * n, 1));
    const s = f32(randn64(n, 2));
    const G = f32(randn64(T * n, 3));
    const [out, dy, ds] = scoped(() => {
      const yt = tf.tensor2d(Float32Array.from(y), [T, n]);
      const st = tf.tensor1d(Float32Array.from(s));
      const Gt = tf.tensor2d(Float32Array.from(G), [T, n]);
      const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(Gt, scaleColumns(a as tf.Tensor2D, b as tf.Tensor1D))))([yt, st]);
      return [t64(scaleColumns(yt, st)), ...grads.map(t64)];
    });
    const refOut = y.map((v, i) => v * s[i % n]);
    const refDy = G.map((v, i) => v * s[i % n]);
    const refDs = new Float64Array(n);
    for (let i = 0; i < T * n; i++) refDs[i % n] += G[i] * y[i];
    expect(relMaxErr(out, refOut)).toBeLessThan(1e-7);
    expect(relMaxErr(dy, refDy)).toBeLessThan(1e-7);
    expect(relMaxErr(ds, refDs)).toBeLessThan(1e-6);
  });

  it('with a bias (trainable or frozen): y ⊙ s + bias, gradients w.r.t. y, s and bias equal the float64 formulas', () => {
    const [T, n] = [29, 5];
    const y = f32(randn64(T * n, 4));
    const s = f32(randn64(n, 5));
    const bias = f32(randn64(n, 6));
    const G = f32(randn64(T * n, 7));
    const [out, dy, ds, db] = scoped(() => {
      const yt = tf.tensor2d(Float32Array.from(y), [T, n]);
      const st = tf.tensor1d(Float32Array.from(s));
      const bt = tf.tensor1d(Float32Array.from(bias));
      const Gt = tf.tensor2d(Float32Array.from(G), [T, n]);
      const fn = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor): tf.Scalar => tf.sum(tf.mul(Gt, scaleColumns(a as tf.Tensor2D, b as tf.Tensor1D, c as tf.Tensor1D)));
      return [t64(scaleColumns(yt, st, bt)), ...tf.grads(fn)([yt, st, bt]).map(t64)];
    });
    const refOut = y.map((v, i) => v * s[i % n] + bias[i % n]);
    const refDy = G.map((v, i) => v * s[i % n]);
    const refDs = new Float64Array(n);
    const refDb = new Float64Array(n);
    for (let i = 0; i < T * n; i++) {
      refDs[i % n] += G[i] * y[i];
      refDb[i % n] += G[i];
    }
    expect(relMaxErr(out, refOut)).toBeLessThan(1e-6);
    expect(relMaxErr(dy, refDy)).toBeLessThan(1e-7);
    expect(relMaxErr(ds, refDs)).toBeLessThan(1e-6);
    expect(relMaxErr(db, refDb)).toBeLessThan(1e-6);
    const [outF, dyF, dsF] = scoped(() => {
      const yt = tf.tensor2d(Float32Array.from(y), [T, n]);
      const st = tf.tensor1d(Float32Array.from(s));
      const bt = tf.tensor1d(Float32Array.from(bias));
      const Gt = tf.tensor2d(Float32Array.from(G), [T, n]);
      const fn = (a: tf.Tensor, b: tf.Tensor): tf.Scalar => tf.sum(tf.mul(Gt, scaleColumns(a as tf.Tensor2D, b as tf.Tensor1D, bt, true)));
      return [t64(scaleColumns(yt, st, bt, true)), ...tf.grads(fn)([yt, st]).map(t64)];
    });
    expect([relMaxErr(outF, refOut) < 1e-6, relMaxErr(dyF, refDy) < 1e-7, relMaxErr(dsF, refDs) < 1e-6]).toEqual([true, true, true]);
    const bad = (): unknown => scaleColumns(tf.ones([4, 3]) as tf.Tensor2D, tf.ones([3]) as tf.Tensor1D, tf.ones([2]) as tf.Tensor1D);
    expect(bad).toThrow(/and bias \[2\]/);
  });

  it('rejects mismatched shapes and leaks nothing', () => {
    const y = tf.ones([4, 3]) as tf.Tensor2D;
    const s = tf.ones([3]) as tf.Tensor1D;
    expect(() => scaleColumns(y, tf.ones([4]) as tf.Tensor1D)).toThrow(/y \[4, 3\] and s \[4\]/);
    const step = (): void => tf.tidy(() => void tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(scaleColumns(a as tf.Tensor2D, b as tf.Tensor1D)))([y, s]).forEach((g) => g.dataSync()));
    expect(tensorLeaks(step)).toEqual([0, 0, 0]);
    const b = tf.ones([3]) as tf.Tensor1D;
    const stepB = (): void => tf.tidy(() => void tf.grads((a: tf.Tensor, c: tf.Tensor) => tf.sum(scaleColumns(a as tf.Tensor2D, s, c as tf.Tensor1D)))([y, b]).forEach((g) => g.dataSync()));
    expect(tensorLeaks(stepB)).toEqual([0, 0, 0]);
    tf.dispose([y, s, b]);
  });
});

describe('columnSum', () => {
  const sumOf = (T: number, n: number, data: Float32Array): Float64Array => scoped(() => t64(columnSum(tf.tensor2d(data, [T, n]))));

  it('equals the float64 column sums within 1e-6 of Σ|y| per column, at odd and large T', () => {
    for (const [T, n, seed] of [[257, 48, 11], [2048, 24, 12], [3, 5, 13]]) {
      const y = f32(randn64(T * n, seed));
      const got = sumOf(T, n, Float32Array.from(y));
      for (let c = 0; c < n; c++) {
        let ref = 0;
        let abs = 0;
        for (let t = 0; t < T; t++) [ref, abs] = [ref + y[t * n + c], abs + Math.abs(y[t * n + c])];
        expect(Math.abs(got[c] - ref), `T=${T} column ${c}`).toBeLessThanOrEqual(1e-6 * abs);
      }
    }
  });

  it('rounds an exactly representable sum by at most 2 ulp (the mean\'s 1/T and the product with T), and not at all for T = 2^k', () => {
    for (const T of [257, 1000, 2048]) {
      const n = 16;
      const y = Float32Array.from({ length: T * n }, (_, i) => ((i * 7919) % 17) - 8); // integers: every partial sum is exact in fp32
      const got = sumOf(T, n, y);
      for (let c = 0; c < n; c++) {
        let ref = 0;
        for (let t = 0; t < T; t++) ref += y[t * n + c];
        const ulp = 2 ** (Math.floor(Math.log2(Math.max(1, Math.abs(ref)))) - 23);
        expect(Math.abs(got[c] - ref), `T=${T} column ${c}`).toBeLessThanOrEqual(((T & (T - 1)) === 0 ? 0 : 2) * ulp);
      }
    }
  });
});
