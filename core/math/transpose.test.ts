import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { panelledSwap, swapLast } from './transpose';
import { scoped, tensorLeaks } from './test-helpers';

describe('swapLast', () => {
  const shapes = [[768, 768], [1536, 384], [384, 1536], [128, 64], [10, 384], [257, 64], [3, 256, 96], [2, 3, 160, 64], [16, 128, 64], [7]];

  it('equals tf.transpose of the last two axes bit for bit, in both the one- and two-pass forms', () => {
    for (const shape of shapes.filter((s) => s.length >= 2)) {
      const [got, ref] = scoped(() => {
        const t = tf.randomNormal(shape, 0, 1, 'float32', shape[0]);
        const perm = shape.map((_, i) => i);
        [perm[shape.length - 2], perm[shape.length - 1]] = [perm[shape.length - 1], perm[shape.length - 2]];
        const out = swapLast(t);
        expect(out.shape).toEqual(tf.transpose(t, perm).shape);
        return [out.dataSync(), tf.transpose(t, perm).dataSync()];
      });
      expect(got.findIndex((v, i) => !Object.is(v, ref[i])), `first differing element, shape [${shape.join(', ')}]`).toBe(-1);
    }
  });

  it('takes the two-pass form only on wasm and for large, 16-row-aligned matrices', () => {
    const cases: [number, number, number, string][] = [[768, 768, 768 * 768, 'wasm'], [768, 768, 768 * 768, 'cpu'], [257, 768, 257 * 768, 'wasm'], [128, 32, 1 << 20, 'wasm'], [64, 768, 1 << 20, 'wasm'], [128, 64, 128 * 64, 'wasm'], [128, 64, 48 * 128 * 64, 'wasm']];
    expect(cases.map(([R, C, n, be]) => panelledSwap(R, C, n, be))).toEqual([true, false, false, false, false, false, true]);
  });

  it('is differentiable (the gradient is the swap back), rejects rank < 2 and leaks nothing', () => {
    const x = tf.randomNormal([160, 96], 0, 1, 'float32', 5);
    const w = tf.randomNormal([96, 160], 0, 1, 'float32', 6);
    const [g, ref] = scoped(() => [tf.grad((a: tf.Tensor) => tf.sum(tf.mul(swapLast(a), w)))(x).dataSync(), tf.transpose(w).dataSync()]);
    expect(Array.from(g)).toEqual(Array.from(ref));
    expect(() => swapLast(tf.ones([7]))).toThrow(/rank ≥ 2, got shape \[7\]/);
    expect(tensorLeaks(() => tf.tidy(() => void swapLast(x).dataSync()))).toEqual([0, 0, 0]);
    tf.dispose([x, w]);
  });
});
