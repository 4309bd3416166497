import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { conv2d, type Conv2dOptions } from './conv';
import { Conv2d, conv2dOptions } from './layers/conv';
import { conv2d64, f32, rand64, type A64 } from '../testing/ref64-nn';
import { gradCheck, tensorGrowth } from './test-helpers';

// fp32 vs float64, relative to the output's (gradient's) scale.
const TOL = 1e-5;

interface Case {
  name: string;
  x: number[];
  w: number[];
  o: Partial<Conv2dOptions> & { kernelSize: [number, number] };
}

const base: Omit<Conv2dOptions, 'kernelSize'> = { stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1, paddingMode: 'zeros' };

const cases: Case[] = [
  { name: 'plain 3×2 kernel, padding [1, 0]', x: [2, 3, 5, 6], w: [4, 3, 3, 2], o: { kernelSize: [3, 2], padding: [1, 0] } },
  { name: 'stride [2, 1], padding [1, 2], dilation [1, 2]', x: [1, 2, 7, 6], w: [3, 2, 3, 2], o: { kernelSize: [3, 2], stride: [2, 1], padding: [1, 2], dilation: [1, 2] } },
  { name: "'same' with dilation 2 and an even kernel (extra pad bottom/right)", x: [1, 2, 6, 5], w: [2, 2, 4, 3], o: { kernelSize: [4, 3], padding: 'same', dilation: [2, 1] } },
  { name: "'valid', stride 3", x: [1, 2, 7, 8], w: [2, 2, 2, 2], o: { kernelSize: [2, 2], padding: 'valid', stride: [3, 3] } },
  { name: 'groups 2, stride 2', x: [1, 4, 6, 5], w: [6, 2, 3, 3], o: { kernelSize: [3, 3], groups: 2, stride: [2, 2], padding: [1, 1] } },
  { name: 'depthwise (groups = in = 3, out = 6)', x: [2, 3, 5, 5], w: [6, 1, 3, 3], o: { kernelSize: [3, 3], groups: 3, padding: [1, 1] } },
  { name: "reflect [2, 1], stride [1, 2]", x: [1, 2, 5, 6], w: [2, 2, 3, 3], o: { kernelSize: [3, 3], padding: [2, 1], paddingMode: 'reflect', stride: [1, 2] } },
  { name: 'replicate [1, 2]', x: [1, 2, 4, 5], w: [3, 2, 2, 3], o: { kernelSize: [2, 3], padding: [1, 2], paddingMode: 'replicate' } },
  { name: "circular [2, 1] with dilation 2", x: [1, 2, 5, 4], w: [2, 2, 2, 2], o: { kernelSize: [2, 2], padding: [2, 1], paddingMode: 'circular', dilation: [2, 2] } },
  { name: "reflect with 'same'", x: [1, 1, 5, 5], w: [2, 1, 4, 2], o: { kernelSize: [4, 2], padding: 'same', paddingMode: 'reflect' } },
];

describe('conv2d vs float64 torch definition (output and gradients of x, weight, bias)', () => {
  for (const c of cases) {
    it(c.name, () => {
      const o: Conv2dOptions = { ...base, ...c.o };
      const x = f32(rand64(c.x, 11));
      const w = f32(rand64(c.w, 12));
      const b = f32(rand64([c.w[0]], 13));
      const y64 = conv2d64(x, w, b, o);
      const cot = rand64(y64.shape, 14);
      const r = gradCheck(
        ([xt, wt, bt]) => conv2d(xt as tf.Tensor4D, wt as tf.Tensor4D, bt as tf.Tensor1D, o),
        ([x6, w6, b6]: A64[]) => conv2d64(x6, w6, b6, o),
        [x, w, b],
        cot,
      );
      expect(r.forward).toBeLessThan(TOL);
      r.grads.forEach((e) => expect(e).toBeLessThan(TOL));
    });
  }
});

describe('conv2d settings are validated, never adjusted', () => {
  const o = (p: Partial<Conv2dOptions>): Conv2dOptions => ({ ...base, kernelSize: [3, 3], ...p });
  it('refuses bad combinations naming shapes and values', () => {
    const x = tf.zeros([1, 4, 6, 6]) as tf.Tensor4D;
    const w = tf.zeros([4, 4, 3, 3]) as tf.Tensor4D;
    expect(() => conv2d(x, w, undefined, o({ padding: 'same', stride: [2, 2] }))).toThrow(/'same' requires stride 1.*\[2,2\]/);
    expect(() => conv2d(x, w, undefined, o({ groups: 2 }))).toThrow(/input channels 4 ≠ weight in\/groups 4 × groups 2.*input \[1,4,6,6\], weight \[4,4,3,3\]/);
    expect(() => conv2d(x, w, undefined, o({ padding: [6, 0], paddingMode: 'reflect' }))).toThrow(/reflect padding must be smaller than the input size 6×6/);
    expect(() => conv2d(x, w, undefined, o({ kernelSize: [2, 3] }))).toThrow(/weight spatial shape differs from kernel_size/);
    expect(() => conv2d(x, w, undefined, o({ stride: [0, 1] }))).toThrow(/positive integers/);
    tf.dispose([x, w]);
  });

  it('Conv2d layer refuses invalid settings at construction', () => {
    expect(() => new Conv2d(3, 4, 3, { groups: 2 })).toThrow(/in_channels=3 is not divisible by groups=2/);
    expect(() => new Conv2d(4, 3, 3, { groups: 2 })).toThrow(/out_channels=3 is not divisible by groups=2/);
    expect(() => new Conv2d(4, 4, 3, { padding: 'same', stride: 2 })).toThrow(/'same' requires stride 1/);
  });
});

describe('Conv2d module', () => {
  it('PyTorch defaults, weight layout, seeded init bound 1/√fan_in, info', () => {
    const m = new Conv2d(4, 6, [3, 2], { groups: 2, stride: 2, seed: 4 });
    expect(m.options).toEqual(conv2dOptions([3, 2], { groups: 2, stride: [2, 2] }));
    expect(m.options).toEqual({ kernelSize: [3, 2], stride: [2, 2], padding: [0, 0], dilation: [1, 1], groups: 2, paddingMode: 'zeros' });
    expect(m.weight.shape).toEqual([6, 2, 3, 2]);
    const bound = 1 / Math.sqrt(2 * 3 * 2);
    expect(Math.max(...Array.from(m.weight.dataSync()).map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(m.info('patch_embeddings.projection')).toMatchObject({ type: 'Conv2d', inFeatures: 4, outFeatures: 6, params: { weight: [6, 2, 3, 2], bias: [6] } });
    m.dispose();
  });

  it('forward equals conv2d64 with its own weights; numTensors stable over fwd/bwd', () => {
    const m = new Conv2d(2, 3, 3, { padding: 1, paddingMode: 'replicate', seed: 2 });
    const x = f32(rand64([1, 2, 4, 4], 5));
    const xt = tf.tensor(Float32Array.from(x.data), x.shape);
    const y = m.forward(xt);
    const w64 = { data: Float64Array.from(m.weight.dataSync()), shape: m.weight.shape };
    const b64 = { data: Float64Array.from((m.bias as tf.Variable).dataSync()), shape: [3] };
    const ref = conv2d64(x, w64, b64, m.options);
    const err = Math.max(...Array.from(y.dataSync()).map((v, i) => Math.abs(v - ref.data[i])));
    expect(err).toBeLessThan(1e-5 * Math.max(...Array.from(ref.data).map(Math.abs)));
    y.dispose();
    const step = (): void => {
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(m.forward(xt))) as tf.Scalar);
      value.dispose();
      tf.dispose(Object.values(grads));
    };
    expect(tensorGrowth(step)).toBe(0);
    xt.dispose();
    m.dispose();
  });
});
