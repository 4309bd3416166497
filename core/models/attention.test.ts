// eagerAttention (one tape node with the softmax gradient written out) against tfjs autograd
// of the plain formula softmax(q kᵀ·scale + bias) v on batched ops, for outputs and the
// gradients of q, k and v. Tolerance: relErr ≤ 1e-5.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { attentionBias, eagerAttention } from './common';
import { relErr } from '../boft/test-helpers';

const [B, H, T, S, dh] = [2, 3, 5, 5, 4];

function plain(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, scale: number, bias?: tf.Tensor): tf.Tensor {
  let scores = tf.mul(tf.matMul(q, k, false, true), scale);
  if (bias) scores = tf.add(scores, bias);
  return tf.matMul(tf.softmax(scores, -1), v);
}

function gradsOf(fn: (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) => tf.Tensor, xs: tf.Tensor[], c: tf.Tensor): Float64Array[] {
  const out: Float64Array[] = [];
  tf.tidy(() => {
    const g = tf.grads((q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) => tf.sum(tf.mul(fn(q, k, v), c)))(xs);
    for (const t of [fn(xs[0], xs[1], xs[2]), ...g]) out.push(Float64Array.from(t.dataSync()));
  });
  return out;
}

describe('eagerAttention', () => {
  it.each([
    ['no mask', false],
    ['causal mask with a padded key', true],
  ])('%s: output and q/k/v gradients equal autograd of the plain formula', (_, masked) => {
    const q = tf.randomNormal([B, H, T, dh], 0, 1, 'float32', 1);
    const k = tf.randomNormal([B, H, S, dh], 0, 1, 'float32', 2);
    const v = tf.randomNormal([B, H, S, dh], 0, 1, 'float32', 3);
    const c = tf.randomNormal([B, H, T, dh], 0, 1, 'float32', 4);
    const keyMask = tf.tensor2d([[1, 1, 1, 1, 1], [1, 1, 1, 0, 1]], [B, S], 'int32');
    const bias = masked ? attentionBias({ keyMask, causal: true }, T, S) : undefined;
    const ours = gradsOf((a, b2, d) => eagerAttention(a as tf.Tensor4D, b2 as tf.Tensor4D, d as tf.Tensor4D, 0.5, bias), [q, k, v], c);
    const ref = gradsOf((a, b2, d) => plain(a, b2, d, 0.5, bias), [q, k, v], c);
    ['output', 'dq', 'dk', 'dv'].forEach((name, i) => expect(relErr(ours[i], ref[i]), name).toBeLessThan(1e-5));
    tf.dispose([q, k, v, c, keyMask, ...(bias ? [bias] : [])]);
  });

  it('holds no tensor across repeated gradient steps', () => {
    const xs = [1, 2, 3].map((seed) => tf.randomNormal([1, 2, 4, 3], 0, 1, 'float32', seed));
    const step = (): void => tf.tidy(() => void tf.grads((a: tf.Tensor, b: tf.Tensor, d: tf.Tensor) => tf.sum(eagerAttention(a as tf.Tensor4D, b as tf.Tensor4D, d as tf.Tensor4D, 1)))(xs));
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(xs);
  });
});
