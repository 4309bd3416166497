import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { BoftGeometry } from './geometry';
import { rotate, rotateTransposed } from './rotation';
import { cayley } from './cayley';
import { cayley64, matmul64, randn64, rotationMatrix64, rotationMatrixFromBlocks64, transpose64 } from './reference64';
import { ROTATION_GEOMETRIES, dot64, f32, fdGrad64, pick, relMaxErr, sampleIndices, scoped, t64, tensorLeaks } from './test-helpers';

const GEOMETRIES = ROTATION_GEOMETRIES;

interface Case {
  g: BoftGeometry;
  T: number;
  x: Float64Array; // [T, d], fp32-representable
  Q: Float64Array; // [m, k, b, b], fp32-rounded Cayley blocks
}

function makeCase(g: BoftGeometry, seed: number, T = 5): Case {
  const R = randn64(g.m * g.k * g.b * g.b, seed, 0.5);
  return { g, T, x: f32(randn64(T * g.d, seed + 1)), Q: f32(cayley64(R, g.b)) };
}

function tensors(c: Case): { x: tf.Tensor2D; Q: tf.Tensor4D } {
  const { g } = c;
  return { x: tf.tensor2d(Float32Array.from(c.x), [c.T, g.d]), Q: tf.tensor4d(Float32Array.from(c.Q), [g.m, g.k, g.b, g.b]) };
}

describe.each(GEOMETRIES.map((g) => [JSON.stringify(g), g] as const))('rotation %s', (_name, g) => {
  it('rotate = x @ M and rotateTransposed = x @ Mᵀ (float64 dense reference, 1e-5 relative)', () => {
    const c = makeCase(g, 31 + g.d + g.m);
    const M = rotationMatrixFromBlocks64(c.Q, g);
    const [y, yt] = scoped(() => {
      const { x, Q } = tensors(c);
      return [rotate(x, Q, g).dataSync(), rotateTransposed(x, Q, g).dataSync()];
    });
    expect(relMaxErr(y, matmul64(c.x, M, c.T, g.d, g.d))).toBeLessThan(1e-5);
    expect(relMaxErr(yt, matmul64(c.x, transpose64(M, g.d, g.d), c.T, g.d, g.d))).toBeLessThan(1e-5);
  });

  it('gradients w.r.t. x and Q match float64 finite differences (1e-4 relative)', () => {
    const c = makeCase(g, 57 + g.d + g.m, 3);
    const G = f32(randn64(c.T * g.d, 99));
    for (const fn of [rotate, rotateTransposed]) {
      const dense = (Q: Float64Array): Float64Array => {
        const M = rotationMatrixFromBlocks64(Q, g);
        return fn === rotate ? M : transpose64(M, g.d, g.d);
      };
      const [gx, gQ] = scoped(() => {
        const { x, Q } = tensors(c);
        const Gt = tf.tensor2d(Float32Array.from(G), [c.T, g.d]);
        const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(Gt, fn(a as tf.Tensor2D, b as tf.Tensor4D, g))));
        return grads([x, Q]).map(t64);
      });
      const M0 = dense(c.Q);
      const fdX = fdGrad64((x) => dot64(G, matmul64(x, M0, c.T, g.d, g.d)), c.x);
      const idx = sampleIndices(c.Q.length, 48);
      const fdQ = fdGrad64((Q) => dot64(G, matmul64(c.x, dense(Q), c.T, g.d, g.d)), c.Q, 1e-6, idx);
      expect(relMaxErr(gx, fdX), fn.name).toBeLessThan(1e-4);
      expect(relMaxErr(pick(gQ, idx), pick(fdQ, idx)), fn.name).toBeLessThan(1e-4);
    }
  });
});

describe('rotation end to end through cayley', () => {
  it('gradient w.r.t. raw boft_R matches float64 finite differences of x @ M(R)', () => {
    const g = { d: 16, k: 4, b: 4, m: 3 };
    const T = 3;
    const R = f32(randn64(g.m * g.k * g.b * g.b, 5, 0.3));
    const x = f32(randn64(T * g.d, 6));
    const G = f32(randn64(T * g.d, 7));
    const grad = scoped(() => {
      const xt = tf.tensor2d(Float32Array.from(x), [T, g.d]);
      const Gt = tf.tensor2d(Float32Array.from(G), [T, g.d]);
      const f = (r: tf.Tensor): tf.Tensor => {
        const Q = cayley(r.reshape([g.m * g.k, g.b, g.b]) as tf.Tensor3D).reshape([g.m, g.k, g.b, g.b]) as tf.Tensor4D;
        return tf.sum(tf.mul(Gt, rotate(xt, Q, g)));
      };
      return t64(tf.grad(f)(tf.tensor4d(Float32Array.from(R), [g.m, g.k, g.b, g.b])));
    });
    const idx = sampleIndices(R.length, 96);
    const fd = fdGrad64((r) => dot64(G, matmul64(x, rotationMatrix64(r, g), T, g.d, g.d)), R, 1e-6, idx);
    expect(relMaxErr(pick(grad, idx), pick(fd, idx))).toBeLessThan(1e-4);
  });

  it('handles a single token (T = 1)', () => {
    const g = { d: 16, k: 4, b: 4, m: 3 };
    const c = makeCase(g, 88, 1);
    const y = scoped(() => {
      const { x, Q } = tensors(c);
      return t64(rotate(x, Q, g));
    });
    expect(relMaxErr(y, matmul64(c.x, rotationMatrixFromBlocks64(c.Q, g), 1, g.d, g.d))).toBeLessThan(1e-5);
  });

  it('rotateTransposed undoes rotate', () => {
    const g = { d: 32, k: 8, b: 4, m: 4 };
    const c = makeCase(g, 77, 4);
    const back = tf.tidy(() => {
      const { x, Q } = tensors(c);
      return rotateTransposed(rotate(x, Q, g), Q, g).dataSync();
    });
    expect(relMaxErr(back, c.x)).toBeLessThan(1e-5);
  });

  it('rejects mismatched shapes with the expected shape in the message', () => {
    const g = { d: 16, k: 4, b: 4, m: 2 };
    tf.tidy(() => {
      expect(() => rotate(tf.zeros([3, 12]) as tf.Tensor2D, tf.zeros([2, 4, 4, 4]) as tf.Tensor4D, g)).toThrow(/x has shape \[3, 12\], expected \[T, 16\]/);
      expect(() => rotate(tf.zeros([3, 16]) as tf.Tensor2D, tf.zeros([1, 4, 4, 4]) as tf.Tensor4D, g)).toThrow(/expected \[2, 4, 4, 4\]/);
    });
  });

  it('leaks no tensors across repeated forward+backward', () => {
    const g = { d: 16, k: 4, b: 4, m: 3 };
    const { x, Q } = tensors(makeCase(g, 3));
    const step = (): void => {
      tf.tidy(() => {
        const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(rotate(a as tf.Tensor2D, b as tf.Tensor4D, g)));
        grads([x, Q]).forEach((t) => t.dataSync());
      });
    };
    expect(tensorLeaks(step)).toEqual([0, 0, 0]);
    tf.dispose([x, Q]);
  });
});
