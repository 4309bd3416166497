// The sharing Identity on wasm: tf.clone gives the same values without a second buffer, and
// buffers stay valid until their last owner is disposed. On cpu the stock kernel (which also
// shares) stays registered.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { registerIdentityKernel, sharingIdentity } from './identity-kernel';

const onWasm = (): boolean => tf.getBackend() === 'wasm';

describe('Identity kernel', () => {
  it('is the sharing kernel on wasm only, and registering again changes nothing', () => {
    registerIdentityKernel(tf.getBackend());
    registerIdentityKernel(tf.getBackend());
    expect(tf.getKernel('Identity', tf.getBackend())?.kernelFunc === sharingIdentity).toBe(onWasm());
  });

  it('clone: equal values, no new buffer, each owner can be disposed first', () => {
    const a = tf.tensor2d([1.5, -2, 3, 4.25], [2, 2]);
    const buffers = tf.memory().numDataBuffers;
    const b = tf.clone(a);
    expect(tf.memory().numDataBuffers).toBe(buffers); // cpu shares too; wasm did not before
    a.dispose();
    expect(Array.from(b.dataSync())).toEqual([1.5, -2, 3, 4.25]);
    const c = tf.clone(b);
    c.dispose();
    expect(Array.from(b.dataSync())).toEqual([1.5, -2, 3, 4.25]);
    b.dispose();
    expect(tf.memory().numDataBuffers).toBe(buffers - 1);
  });

  it('a variable assigned after a clone leaves the clone as it was (buffers are never written in place)', () => {
    const v = tf.variable(tf.tensor1d([1, 2, 3]));
    const snap = tf.clone(v);
    v.assign(tf.tensor1d([7, 8, 9]));
    expect(Array.from(snap.dataSync())).toEqual([1, 2, 3]);
    expect(Array.from(v.dataSync())).toEqual([7, 8, 9]);
    tf.dispose([v, snap]);
  });

  it('gradients through ops that save their inputs are unchanged (saved tensors are clones)', () => {
    const x = tf.tensor1d([0.5, -1, 2]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.mul(t, t), tf.sin(t))))(x);
    const ref = [0.5, -1, 2].map((t) => 2 * t * Math.sin(t) + t * t * Math.cos(t));
    Array.from(g.dataSync()).forEach((v, i) => expect(Math.abs(v - ref[i])).toBeLessThan(1e-6 * Math.max(1, Math.abs(ref[i]))));
    tf.dispose([x, g]);
  });
});
