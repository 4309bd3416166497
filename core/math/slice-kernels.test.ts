// tf.slice / tf.unstack / tf.split against values indexed by hand, on whichever backend this
// project runs (on wasm through the replacement kernels of slice-kernels.ts). Exact equality.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { copyBox, installedSliceKernels } from './slice-kernels';
import { tensorLeaks } from './test-helpers';

/** Row-major flat index of idx in shape. */
const flat = (idx: number[], shape: number[]): number => idx.reduce((a, v, i) => a * shape[i] + v, 0);

/** x[begin : begin + size] by explicit indexing, the slow reference. */
function boxRef(x: ArrayLike<number>, shape: number[], begin: number[], size: number[]): number[] {
  const out: number[] = [];
  const idx = size.map(() => 0);
  const total = size.reduce((p, q) => p * q, 1);
  for (let n = 0; n < total; n++) {
    out.push(x[flat(idx.map((v, i) => v + begin[i]), shape)]);
    for (let i = size.length - 1; i >= 0 && ++idx[i] === size[i]; i--) idx[i] = 0;
  }
  return out;
}

const CASES: [number[], number[], number[]][] = [
  [[10], [3], [5]],
  [[4, 6], [1, 2], [2, 3]],
  [[4, 6], [0, 0], [4, 6]],
  [[48, 16, 8], [5, 0, 0], [1, 16, 8]],
  [[3, 5, 7], [1, 1, 2], [2, 3, 4]],
  [[2, 3, 4, 5], [0, 1, 0, 1], [2, 2, 4, 3]],
  [[2, 2, 3, 2, 3], [1, 0, 1, 0, 1], [1, 2, 2, 2, 2]],
  [[4, 6], [1, 2], [0, 3]],
];

describe('slice kernels', () => {
  it('copyBox equals explicit indexing for boxes of rank 1–5, contiguous or not', () => {
    for (const [shape, begin, size] of CASES) {
      const x = Float32Array.from({ length: shape.reduce((p, q) => p * q, 1) }, (_, i) => i * 0.5 - 3);
      const out = new Float32Array(size.reduce((p, q) => p * q, 1));
      copyBox(x, shape, begin, size, out);
      expect(Array.from(out), JSON.stringify([shape, begin, size])).toEqual(boxRef(x, shape, begin, size));
    }
  });

  it('tf.slice, tf.unstack and tf.split give exactly the indexed values, for float32, int32 and bool (on wasm through the replacements)', () => {
    if (tf.getBackend() === 'wasm') expect(tf.getKernel('Unpack', 'wasm')?.kernelFunc).toBe(installedSliceKernels()?.Unpack);
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      for (const [shape, begin, size] of CASES) {
        const n = shape.reduce((p, q) => p * q, 1);
        const vals = Array.from({ length: n }, (_, i) => (dtype === 'bool' ? i % 3 === 0 ? 1 : 0 : dtype === 'int32' ? i * 7 - 50 : i * 0.25 - 9));
        const x = tf.tensor(vals, shape, dtype);
        const got = tf.tidy(() => Array.from(tf.slice(x, begin, size).dataSync()));
        expect(got, `${dtype} slice ${JSON.stringify([shape, begin, size])}`).toEqual(boxRef(vals, shape, begin, size));
        for (let axis = 0; axis < shape.length; axis++) {
          const parts = tf.tidy(() => tf.unstack(x, axis).map((t) => Array.from(t.dataSync())));
          const split = tf.tidy(() => tf.split(x, [1, shape[axis] - 1].filter((s) => s > 0), axis).map((t) => Array.from(t.dataSync())));
          parts.forEach((p, j) => expect(p, `${dtype} unstack axis ${axis} part ${j}`).toEqual(boxRef(vals, shape, shape.map((_, i) => (i === axis ? j : 0)), shape.map((s, i) => (i === axis ? 1 : s)))));
          expect(split[0]).toEqual(parts[0]);
          if (split.length > 1) expect(split[1]).toEqual(boxRef(vals, shape, shape.map((_, i) => (i === axis ? 1 : 0)), shape.map((s, i) => (i === axis ? s - 1 : s))));
        }
        x.dispose();
      }
    }
  });

  it('an unstacked part has the squeezed shape and the rest of the tensor untouched; nothing leaks', () => {
    const x = tf.tensor3d(Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => i), [2, 3, 4]);
    const [a, b] = tf.unstack(x);
    expect([a.shape, b.shape]).toEqual([[3, 4], [3, 4]]);
    expect(Array.from(x.dataSync())).toEqual(Array.from({ length: 24 }, (_, i) => i));
    tf.dispose([a, b]);
    expect(tensorLeaks(() => tf.tidy(() => { tf.unstack(x); tf.split(x, 2, 2); tf.slice(x, [1, 1, 1], [1, 2, 2]); }))).toEqual([0, 0, 0]);
    x.dispose();
  });
});
