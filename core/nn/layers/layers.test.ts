import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Embedding } from './embedding';
import { LayerNorm, RMSNorm } from './norm';
import { Dropout, GELU, Identity, LayerScale, ReLU, SiLU, Tanh } from './activation';
import { gelu, layerNorm, rmsNorm } from '../functional';
import { a64, f32, gelu64, geluTanh64, layerNorm64, map64, rand64, relErr, rmsNorm64, silu64, type A64 } from '../../testing/ref64-nn';
import { gradCheck, tensorGrowth, toTensor } from '../test-helpers';

// fp32 vs float64, relative to the scale of the output (gradient).
const TOL = 1e-5;

function expectClose(r: { forward: number; grads: number[] }, tol = TOL): void {
  expect(r.forward).toBeLessThan(tol);
  r.grads.forEach((e) => expect(e).toBeLessThan(tol));
}

describe('normalization vs float64 (output and gradients)', () => {
  const x = f32(rand64([2, 3, 6], 1, 2));
  const w = f32(rand64([6], 2));
  const b = f32(rand64([6], 3));
  const cot = rand64([2, 3, 6], 4);

  it('layerNorm over the last axis, eps 1e-5, affine', () => {
    expectClose(gradCheck(([xt, wt, bt]) => layerNorm(xt, [6], wt, bt, 1e-5), ([x6, w6, b6]) => layerNorm64(x6, w6, b6, 1e-5), [x, w, b], cot));
  });

  it('layerNorm over the last two axes [3, 6], eps 1e-12 (BERT)', () => {
    const w2 = f32(rand64([3, 6], 5));
    const flat = (a: A64, shape: number[]): A64 => ({ data: a.data, shape });
    const ref = ([x6, w6]: A64[]): A64 => flat(layerNorm64(flat(x6, [2, 18]), flat(w6, [18]), undefined, 1e-12), [2, 3, 6]);
    expectClose(gradCheck(([xt, wt]) => layerNorm(xt, [3, 6], wt, undefined, 1e-12), ref, [x, w2], cot));
  });

  it('rmsNorm (LLaMA), eps 1e-6', () => {
    expectClose(gradCheck(([xt, wt]) => rmsNorm(xt, wt, 1e-6), ([x6, w6]) => rmsNorm64(x6, w6, 1e-6), [x, w], cot));
  });

  it('LayerNorm / RMSNorm modules: parameters, defaults, info, errors', () => {
    const ln = new LayerNorm(6, { eps: 1e-12 });
    expect(ln.namedParameters().map(([n, p]) => [n, p.shape])).toEqual([['weight', [6]], ['bias', [6]]]);
    expect(new LayerNorm(6, { elementwiseAffine: false }).namedParameters()).toEqual([]);
    expect(new LayerNorm(6, { bias: false }).namedParameters().map(([n]) => n)).toEqual(['weight']);
    expect(ln.info('ln_f')).toMatchObject({ type: 'LayerNorm', inFeatures: 6, outFeatures: 6 });
    const rms = new RMSNorm(6);
    expect(rms.eps).toBe(1e-6);
    expect(rms.info('norm')).toMatchObject({ type: 'RMSNorm', params: { weight: [6] } });
    const xt = toTensor(x);
    const y = rms.forward(xt);
    expect(relErr(y.dataSync(), rmsNorm64(x, undefined, 1e-6).data)).toBeLessThan(TOL);
    expect(() => rms.forward(tf.zeros([2, 5]))).toThrow(/RMSNorm\(6\): input \[2,5\] must end with 6/);
    expect(() => ln.forward(tf.zeros([2, 5]))).toThrow(/\[2,5\] does not end with normalized_shape \[6\]/);
    tf.dispose([xt, y]);
    ln.dispose();
    rms.dispose();
  });
});

describe('activations vs float64 (output and input gradient)', () => {
  // Values away from 0 so ReLU's kink is never inside a finite-difference step.
  const x = f32(map64(rand64([3, 7], 8, 3), (v) => (Math.abs(v) < 0.01 ? 0.5 : v)));
  const cot = rand64([3, 7], 9);
  const cases: [string, (t: tf.Tensor) => tf.Tensor, (v: number) => number][] = [
    ['GELU exact (erf)', (t) => new GELU().forward(t), gelu64],
    ['GELU tanh', (t) => new GELU('tanh').forward(t), geluTanh64],
    ['SiLU', (t) => new SiLU().forward(t), silu64],
    ['ReLU', (t) => new ReLU().forward(t), (v) => Math.max(0, v)],
    ['Tanh', (t) => new Tanh().forward(t), Math.tanh],
    ['Identity', (t) => new Identity().forward(t), (v) => v],
  ];
  for (const [name, f, ref] of cases) {
    it(name, () => {
      expectClose(gradCheck(([xt]) => f(xt), ([x6]) => map64(x6, ref), [x], cot));
    });
  }

  it('GELU refuses an unknown approximation', () => {
    expect(() => new GELU('fast' as 'tanh')).toThrow(/approximate='fast'; valid: 'none', 'tanh'/);
    expect(() => gelu(tf.zeros([1]), 'erf' as 'none')).toThrow(/valid: 'none', 'tanh'/);
  });
});

describe('Embedding', () => {
  it('forward is a row lookup; weight gradient is the float64 scatter-add; padding row gets none', () => {
    const emb = new Embedding(5, 3, { paddingIdx: 1, seed: 3 });
    const table = emb.weight.dataSync();
    expect(Array.from(table.slice(3, 6))).toEqual([0, 0, 0]);
    const ids = [[4, 1, 4], [0, 2, 1]];
    const idt = tf.tensor2d(ids, [2, 3], 'int32');
    const y = emb.forward(idt);
    expect(y.shape).toEqual([2, 3, 3]);
    const flat = ids.flat();
    expect(Array.from(y.dataSync())).toEqual(flat.flatMap((r) => Array.from(table.slice(r * 3, r * 3 + 3))));
    const g = f32(rand64([2, 3, 3], 5));
    const gt = toTensor(g);
    const ref = new Float64Array(15);
    flat.forEach((r, i) => {
      if (r !== 1) for (let j = 0; j < 3; j++) ref[r * 3 + j] += g.data[i * 3 + j];
    });
    const { grads, value } = tf.variableGrads(() => tf.sum(tf.mul(emb.forward(idt), gt)) as tf.Scalar, [emb.weight]);
    expect(relErr(grads[emb.weight.name].dataSync(), ref)).toBeLessThan(1e-6);
    expect(Array.from(grads[emb.weight.name].dataSync().slice(3, 6))).toEqual([0, 0, 0]);
    expect(emb.info('wte')).toMatchObject({ type: 'Embedding', inFeatures: 5, outFeatures: 3 });
    tf.dispose([idt, y, gt, value, ...Object.values(grads)]);
    emb.dispose();
  });

  it('refuses out-of-range ids and bad padding_idx; negative padding_idx counts from the end', () => {
    const emb = new Embedding(4, 2, { seed: 1, paddingIdx: -1 });
    expect(emb.paddingIdx).toBe(3);
    const bad = tf.tensor1d([0, 4], 'int32');
    expect(() => emb.forward(bad)).toThrow(/index 4 at position 1 of ids \[2\] is out of range for num_embeddings=4/);
    expect(() => new Embedding(4, 2, { paddingIdx: 4 })).toThrow(/padding_idx=4 must be in \[-4, 4\)/);
    bad.dispose();
    emb.dispose();
  });

  it('seeded init is reproducible and numTensors is stable over forward/backward', () => {
    const a = new Embedding(6, 4, { seed: 9 });
    const b = new Embedding(6, 4, { seed: 9 });
    expect(Array.from(a.weight.dataSync())).toEqual(Array.from(b.weight.dataSync()));
    const ids = tf.tensor1d([1, 5, 1], 'int32');
    const step = (): void => {
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(a.forward(ids))) as tf.Scalar);
      value.dispose();
      tf.dispose(Object.values(grads));
    };
    expect(tensorGrowth(step)).toBe(0);
    ids.dispose();
    a.dispose();
    b.dispose();
  });
});

describe('Dropout', () => {
  it('identity in eval; in training each element is 0 or x/(1-p), fresh mask per call, seeded', () => {
    const x = tf.fill([2000], 3);
    const d = new Dropout(0.25, { seed: 4 });
    const evalOut = d.eval().forward(x);
    expect(Array.from(evalOut.dataSync()).every((v) => v === 3)).toBe(true);
    d.train();
    const y1 = d.forward(x).dataSync();
    const y2 = d.forward(x).dataSync();
    expect(Array.from(y1).every((v) => v === 0 || v === 4)).toBe(true);
    const dropped = Array.from(y1).filter((v) => v === 0).length / 2000;
    expect(Math.abs(dropped - 0.25)).toBeLessThan(0.04); // ±4σ for n = 2000
    expect(Array.from(y1)).not.toEqual(Array.from(y2));
    const again = new Dropout(0.25, { seed: 4 }).forward(x).dataSync();
    expect(Array.from(again)).toEqual(Array.from(y1));
    const g = tf.grad((t: tf.Tensor) => tf.sum(new Dropout(0.25, { seed: 4 }).forward(t)))(x).dataSync();
    expect(Array.from(g)).toEqual(Array.from(y1).map((v) => (v === 0 ? 0 : Math.fround(1 / 0.75))));
    expect(() => new Dropout(1.5)).toThrow(/p=1.5 must be in \[0, 1\]/);
    tf.dispose([x, evalOut]);
  });
});

describe('LayerScale (DINOv2)', () => {
  it('x · lambda1 with gradients; parameter named lambda1', () => {
    const ls = new LayerScale(4, 0.1);
    expect(ls.namedParameters().map(([n, p]) => [n, p.shape])).toEqual([['lambda1', [4]]]);
    expect(Array.from(ls.param('lambda1').dataSync())).toEqual(new Array(4).fill(Math.fround(0.1)));
    ls.dispose();
    const x = f32(rand64([2, 3, 4], 1));
    const lam = f32(rand64([4], 2));
    const ref = ([x6, l6]: A64[]): A64 => a64(x6.data.map((v, i) => v * l6.data[i % 4]), x6.shape);
    const f = ([xt, lt]: tf.Tensor[]): tf.Tensor => tf.mul(xt, lt);
    expectClose(gradCheck(f, ref, [x, lam], rand64([2, 3, 4], 3)));
  });
});
