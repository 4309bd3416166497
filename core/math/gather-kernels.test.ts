import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { registerGatherKernels, segmentSumRows } from './gather-kernels';
import { f32, rand64, relErr } from '../testing/ref64-nn';

describe('UnsortedSegmentSum (gradient of gather)', () => {
  it('is registered on the active backend and registration is idempotent', () => {
    registerGatherKernels(tf.getBackend());
    registerGatherKernels(tf.getBackend());
    expect(tf.getKernel('UnsortedSegmentSum', tf.getBackend())).toBeDefined();
  });

  it('segmentSumRows drops out-of-range ids and accumulates repeats', () => {
    const out = segmentSumRows([1, 2, 3, 4, 5, 6, 7, 8], [1, -1, 1, 3], 3, 2);
    expect(Array.from(out)).toEqual([0, 0, 1 + 5, 2 + 6, 0, 0]);
  });

  it('tf.gather gradient (repeated, unused rows; 2-D ids) equals a float64 scatter-add', () => {
    const table = f32(rand64([6, 3], 1));
    const ids = [[4, 0, 4], [2, 4, 0]];
    const dy = f32(rand64([2, 3, 3], 2));
    const ref = new Float64Array(18);
    ids.flat().forEach((r, i) => {
      for (let j = 0; j < 3; j++) ref[r * 3 + j] += dy.data[i * 3 + j];
    });
    const tt = tf.tensor2d(Float32Array.from(table.data), [6, 3]);
    const it2 = tf.tensor2d(ids, [2, 3], 'int32');
    const dyt = tf.tensor3d(Float32Array.from(dy.data), [2, 3, 3]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, it2), dyt)))(tt);
    expect(g.shape).toEqual([6, 3]);
    expect(relErr(g.dataSync(), ref)).toBeLessThan(1e-6);
    expect(Array.from(g.dataSync().slice(3, 6))).toEqual([0, 0, 0]); // row 1 never gathered
    tf.dispose([tt, it2, dyt, g]);
  });

  it('direct op: data of rank 3', () => {
    const x = tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [3, 2, 2]);
    const ids = tf.tensor1d([2, 0, 2], 'int32');
    const s = tf.unsortedSegmentSum(x, ids, 3);
    expect(s.shape).toEqual([3, 2, 2]);
    expect(Array.from(s.dataSync())).toEqual([5, 6, 7, 8, 0, 0, 0, 0, 1 + 9, 2 + 10, 3 + 11, 4 + 12]);
    tf.dispose([x, ids, s]);
  });
});
