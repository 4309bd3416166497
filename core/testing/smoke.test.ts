import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';

describe('backend', () => {
  it('runs on the requested backend', () => {
    expect(tf.getBackend()).toBe(process.env.BOFT_TEST_BACKEND);
    const y = tf.tidy(() => tf.matMul(tf.ones([2, 3]), tf.ones([3, 4])).sum().dataSync()[0]);
    expect(y).toBe(24);
  });
});
