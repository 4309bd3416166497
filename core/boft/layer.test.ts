// BOFT layers against float64 references (dense M from reference64), both rotation paths.
// Tolerance: relErr (max|a−b| / max|b|) ≤ 1e-5 for fp32 outputs and weights.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Linear, Conv1D } from '../nn/layers/linear';
import { Conv2d } from '../nn/layers/conv';
import { conv2d } from '../nn/conv';
import { randn64, rotationMatrix64 } from '../math/reference64';
import type { BoftGeometry } from '../math/geometry';
import { BOFTLinear, BOFTConv1D, type BOFTLayer } from './layer';
import { BOFTConv2d } from './conv';
import { dense64, f32, linear64, mergedRows64, relErr, setAdapter, values } from './test-helpers';

const TOL = 1e-5;

function addRandom(layer: BOFTLayer, name: string, g: BoftGeometry, seed: number): { M: Float64Array; s: Float64Array } {
  layer.addAdapter(name, { geometry: g, dropout: 0, initWeights: true, seed, trainable: true });
  const R = randn64(g.m * g.k * g.b * g.b, seed, 0.4);
  const s = randn64(layer.outFeatures, seed + 1, 0.1).map((v) => 1 + v);
  setAdapter(layer, name, R, s);
  return { M: dense64(R, g), s: f32(s) };
}

describe('BOFTLinear', () => {
  const d = 16;
  const out = 8;
  const T = 5;

  it('y = base(x·M)·s + bias on both rotation paths, two adapters of different geometry', () => {
    const base = new Linear(d, out, { seed: 3 });
    const layer = new BOFTLinear('blk.q', base);
    const A = addRandom(layer, 'a', { d, k: 4, b: 4, m: 2 }, 10);
    const B = addRandom(layer, 'b', { d, k: 2, b: 8, m: 1 }, 20);
    layer.activeAdapters = ['a', 'b'];
    layer.eval();
    const x64 = f32(randn64(T * d, 5));
    const x = tf.tensor(Float32Array.from(x64), [T, d]);
    const ref = linear64(x64, T, d, mergedRows64(values(base.weight), out, d, [A, B]), out, values(base.bias as tf.Tensor));
    for (const path of ['activation', 'weight'] as const) {
      layer.rotationPath = path;
      const y = layer.forward(x);
      expect(relErr(values(y), ref)).toBeLessThan(TOL);
      y.dispose();
    }
    x.dispose();
    layer.dispose();
  });

  it('merge then unmerge: merged output equals unmerged, weight round trip within 1e-5', () => {
    const base = new Linear(d, out, { seed: 4, bias: false });
    const layer = new BOFTLinear('fc', base);
    addRandom(layer, 'a', { d, k: 8, b: 2, m: 3 }, 30);
    layer.activeAdapters = ['a'];
    layer.eval();
    const W0 = values(base.weight);
    const x = tf.tensor(Float32Array.from(randn64(T * d, 6)), [T, d]);
    const y0 = values(layer.forward(x));
    const merged = layer.mergedWeight(['a']);
    base.weight.assign(merged);
    layer.mergedAdapters = ['a'];
    expect(relErr(values(layer.forward(x)), y0)).toBeLessThan(TOL);
    const back = layer.unmergedWeight(['a']);
    expect(relErr(values(back), W0)).toBeLessThan(TOL);
    tf.dispose([x, merged, back]);
    layer.dispose();
  });

  it('gradients: boft_s analytic, boft_R vs float64 central differences (rel 2e-4), paths agree', () => {
    const g: BoftGeometry = { d: 8, k: 2, b: 4, m: 2 };
    const base = new Linear(8, 6, { seed: 7 });
    const layer = new BOFTLinear('fc', base);
    const A = addRandom(layer, 'a', g, 40);
    layer.activeAdapters = ['a'];
    layer.eval();
    const x64 = f32(randn64(3 * 8, 8));
    const dy64 = f32(randn64(3 * 6, 9));
    const x = tf.tensor(Float32Array.from(x64), [3, 8]);
    const dy = tf.tensor(Float32Array.from(dy64), [3, 6]);
    const W = values(base.weight);
    const grads = (['activation', 'weight'] as const).map((p) => {
      layer.rotationPath = p;
      const { value, grads: gr } = tf.variableGrads(() => tf.sum(tf.mul(layer.forward(x), dy)) as tf.Scalar, [layer.boftR.get('a'), layer.boftS.get('a')]);
      value.dispose();
      const out = { R: values(gr[layer.boftR.get('a').name]), s: values(gr[layer.boftS.get('a').name]) };
      tf.dispose(Object.values(gr));
      return out;
    });
    expect(relErr(grads[0].R, grads[1].R)).toBeLessThan(1e-5);
    const R0 = values(layer.boftR.get('a'));
    const loss64 = (R: Float64Array): number => {
      const Wm = mergedRows64(W, 6, 8, [{ M: rotationMatrix64(R, g), s: A.s }]); // R unrounded: h ≪ fp32 spacing would be lost
      const y = linear64(x64, 3, 8, Wm, 6);
      return y.reduce((acc, v, i) => acc + v * dy64[i], 0);
    };
    const h = 1e-4;
    const fd = R0.map((_, i) => {
      const p = Float64Array.from(R0);
      const q = Float64Array.from(R0);
      p[i] += h;
      q[i] -= h;
      return (loss64(p) - loss64(q)) / (2 * h);
    });
    expect(relErr(grads[0].R, fd)).toBeLessThan(2e-4);
    const y1 = linear64(x64, 3, 8, mergedRows64(W, 6, 8, [{ M: A.M, s: new Float64Array(6).fill(1) }]), 6);
    const ds = new Float64Array(6);
    for (let t = 0; t < 3; t++) for (let o = 0; o < 6; o++) ds[o] += y1[t * 6 + o] * dy64[t * 6 + o];
    expect(relErr(grads[0].s, ds)).toBeLessThan(1e-5);
    tf.dispose([x, dy]);
    layer.dispose();
  });
});

describe('multiplicative dropout', () => {
  it('acts only in training: p=0.5, k=4 gives the output of exactly int(p·k)=2 blocks set to I (float64 reference)', () => {
    const g: BoftGeometry = { d: 8, k: 4, b: 2, m: 1 };
    const base = new Linear(8, 4, { seed: 12 });
    const layer = new BOFTLinear('fc', base);
    const A = addRandom(layer, 'a', g, 70);
    layer.setAdapterTensors('a', layer.boftR.get('a').clone(), layer.boftS.get('a').clone(), g, 0.5, true, 5); // same values, dropout 0.5
    layer.activeAdapters = ['a'];
    const x64 = f32(randn64(3 * 8, 13));
    const x = tf.tensor(Float32Array.from(x64), [3, 8]);
    const W = values(base.weight);
    const bias = values(base.bias as tf.Tensor);
    const Rraw = values(layer.boftR.get('a'));
    // Every way of choosing 2 of the 4 blocks: zeroing a block's R makes its Cayley block I.
    const refs = [[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]].map((drop) => {
      const R = Float64Array.from(Rraw);
      for (const j of drop) R.fill(0, j * 4, j * 4 + 4);
      return linear64(x64, 3, 8, mergedRows64(W, 4, 8, [{ M: dense64(R, g), s: A.s }]), 4, bias);
    });
    const full = linear64(x64, 3, 8, mergedRows64(W, 4, 8, [A]), 4, bias);
    for (const path of ['activation', 'weight'] as const) {
      layer.rotationPath = path;
      layer.train();
      for (let rep = 0; rep < 4; rep++) {
        const y = values(layer.forward(x));
        expect(Math.min(...refs.map((r) => relErr(y, r)))).toBeLessThan(TOL);
      }
      layer.eval();
      expect(relErr(values(layer.forward(x)), full)).toBeLessThan(TOL);
    }
    x.dispose();
    layer.dispose();
  });
});

describe('BOFTConv1D (GPT-2 layout)', () => {
  it('equals a BOFT Linear holding the transposed weight, merged and unmerged', () => {
    const [nx, nf] = [8, 12];
    const c = new Conv1D(nf, nx, { seed: 5 });
    const lin = new Linear(nx, nf, { seed: 1 });
    lin.weight.assign(tf.transpose(c.weight));
    (lin.bias as tf.Variable).assign(tf.randomNormal([nf], 0, 1, 'float32', 3));
    (c.bias as tf.Variable).assign(lin.bias as tf.Variable);
    const lc = new BOFTConv1D('h.0.attn.c_attn', c);
    const ll = new BOFTLinear('twin', lin);
    const g: BoftGeometry = { d: nx, k: 4, b: 2, m: 2 };
    addRandom(lc, 'a', g, 50);
    addRandom(ll, 'a', g, 50);
    for (const l of [lc, ll]) {
      l.activeAdapters = ['a'];
      l.eval();
    }
    const x = tf.tensor(Float32Array.from(randn64(2 * 3 * nx, 11)), [2, 3, nx]);
    for (const p of ['activation', 'weight'] as const) {
      lc.rotationPath = p;
      expect(relErr(values(lc.forward(x)), values(ll.forward(x)))).toBeLessThan(TOL);
    }
    const mc = lc.mergedWeight(['a']);
    const ml = ll.mergedWeight(['a']);
    expect(relErr(values(tf.transpose(mc)), values(ml))).toBeLessThan(TOL);
    tf.dispose([x, mc, ml]);
    lc.dispose();
    ll.dispose();
  });
});

describe('BOFTConv2d', () => {
  it('runs the base conv with every setting and the merged weight (stride/padding tuples, dilation, groups)', () => {
    const base = new Conv2d(4, 6, [3, 2], { stride: [2, 1], padding: [1, 0], dilation: [1, 2], groups: 2, paddingMode: 'reflect', seed: 9 });
    const layer = new BOFTConv2d('features.0', base);
    expect(layer.rotatedDim).toBe(12); // 4/2·3·2
    const A = addRandom(layer, 'a', { d: 12, k: 2, b: 6, m: 2 }, 60);
    layer.activeAdapters = ['a'];
    layer.eval();
    const W = values(base.weight);
    const Wm = mergedRows64(W, 6, 12, [A]);
    const x = tf.tensor(Float32Array.from(randn64(2 * 4 * 7 * 6, 12)), [2, 4, 7, 6]) as tf.Tensor4D;
    const ref = conv2d(x, tf.tensor4d(Float32Array.from(Wm), base.weight.shape as [number, number, number, number]), base.bias as tf.Tensor1D, base.options);
    const y = layer.forward(x);
    expect(y.shape).toEqual(ref.shape);
    expect(relErr(values(y), values(ref))).toBeLessThan(TOL);
    expect(layer.sShape()).toEqual([1, 6]);
    tf.dispose([x, ref, y]);
    layer.dispose();
  });
});
