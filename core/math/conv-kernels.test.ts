import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { conv2dFilterGradViaForward, registerConvKernels } from './conv-kernels';
import { convFilterGradNhwc64, f32, rand64, relErr } from '../testing/ref64-nn';

// fp32 sums of a few hundred products vs float64: 1e-5 relative to the gradient's scale.
const TOL = 1e-5;

interface Case {
  name: string;
  x: [number, number, number, number]; // NHWC
  k: [number, number];
  co: number;
  stride: [number, number];
  pad: 'valid' | 'same' | [[number, number], [number, number], [number, number], [number, number]];
}

const cases: Case[] = [
  { name: 'stride 1, valid, 3×2 kernel', x: [2, 5, 6, 3], k: [3, 2], co: 4, stride: [1, 1], pad: 'valid' },
  { name: 'stride [2, 3], explicit asymmetric pad', x: [1, 7, 8, 2], k: [3, 2], co: 3, stride: [2, 3], pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
  { name: "'same', stride 2 (TF-style pads)", x: [2, 6, 5, 2], k: [2, 3], co: 2, stride: [2, 2], pad: 'same' },
  { name: 'stride 3 where the kernel does not tile the input (crop)', x: [1, 8, 7, 1], k: [2, 2], co: 2, stride: [3, 3], pad: 'valid' },
];

// Top/left pads the reference needs, derived from the case independently of tfjs.
function topLeft(c: Case): [number, number] {
  if (c.pad === 'valid') return [0, 0];
  if (c.pad !== 'same') return [c.pad[1][0], c.pad[2][0]];
  const out = [Math.ceil(c.x[1] / c.stride[0]), Math.ceil(c.x[2] / c.stride[1])];
  const total = [0, 1].map((i) => Math.max(0, (out[i] - 1) * c.stride[i] + c.k[i] - c.x[i + 1]));
  return [Math.floor(total[0] / 2), Math.floor(total[1] / 2)];
}

describe('Conv2DBackpropFilter', () => {
  it('is registered on the active backend and registration is idempotent', () => {
    registerConvKernels(tf.getBackend());
    registerConvKernels(tf.getBackend());
    expect(tf.getKernel('Conv2DBackpropFilter', tf.getBackend())).toBeDefined();
  });

  for (const c of cases) {
    it(`${c.name}: tf.grad of conv2d and the forward-conv formulation vs float64`, () => {
      const x = f32(rand64(c.x, 1));
      const w = f32(rand64([...c.k, c.x[3], c.co], 2));
      const xt = tf.tensor4d(Float32Array.from(x.data), c.x);
      const wt = tf.tensor4d(Float32Array.from(w.data), [...c.k, c.x[3], c.co]);
      const y = tf.conv2d(xt, wt, c.stride, c.pad);
      const dy = f32(rand64(y.shape, 3));
      const dyt = tf.tensor4d(Float32Array.from(dy.data), y.shape as [number, number, number, number]);
      const ref = convFilterGradNhwc64(x, dy, c.k, c.stride, topLeft(c));
      const viaGrad = tf.grad((f: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xt, f as tf.Tensor4D, c.stride, c.pad), dyt)))(wt);
      const direct = conv2dFilterGradViaForward(xt, dyt, { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', filterShape: [...c.k, c.x[3], c.co] });
      expect(direct.shape).toEqual(ref.shape);
      expect(relErr(viaGrad.dataSync(), ref.data)).toBeLessThan(TOL);
      expect(relErr(direct.dataSync(), ref.data)).toBeLessThan(TOL);
      tf.dispose([xt, wt, y, dyt, viaGrad, direct]);
    });
  }

  it('NCHW inputs through the registered kernel (stride 2, explicit pad)', () => {
    const x = f32(rand64([2, 6, 5, 3], 4)); // NHWC values
    const dyShape: [number, number, number, number] = [2, 3, 3, 2]; // (6+1+0-3)/2+1, (5+0+1-2)/2+1
    const dy = f32(rand64(dyShape, 5));
    const ref = convFilterGradNhwc64(x, dy, [3, 2], [2, 2], [1, 0]);
    const xt = tf.transpose(tf.tensor4d(Float32Array.from(x.data), [2, 6, 5, 3]), [0, 3, 1, 2]);
    const dyt = tf.transpose(tf.tensor4d(Float32Array.from(dy.data), dyShape), [0, 3, 1, 2]);
    const attrs = { strides: [2, 2], pad: [[0, 0], [0, 0], [1, 0], [0, 1]], dataFormat: 'NCHW', filterShape: [3, 2, 3, 2] };
    const g = tf.engine().runKernel('Conv2DBackpropFilter', { x: xt, dy: dyt }, attrs) as tf.Tensor;
    expect(g.shape).toEqual([3, 2, 3, 2]);
    expect(relErr(g.dataSync(), ref.data)).toBeLessThan(TOL);
    tf.dispose([xt, dyt, g]);
  });

  it('leaks no tensors per gradient call', () => {
    const xt = tf.ones([1, 5, 5, 2]) as tf.Tensor4D;
    const wt = tf.ones([2, 2, 2, 3]) as tf.Tensor4D;
    const g = (): void => tf.grad((f: tf.Tensor) => tf.sum(tf.conv2d(xt, f as tf.Tensor4D, 2, 'same')))(wt).dispose();
    g();
    const before = tf.memory().numTensors;
    g();
    g();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([xt, wt]);
  });
});
