// Test-only bridge between tfjs tensors and the float64 references in core/testing/ref64-nn.
import * as tf from '@tensorflow/tfjs';
import { dot64, finiteDiff64, relErr, type A64 } from '../testing/ref64-nn';

export function toTensor(a: A64): tf.Tensor {
  return tf.tensor(Float32Array.from(a.data), a.shape, 'float32');
}

export function toA64(t: tf.Tensor): A64 {
  return { data: Float64Array.from(t.dataSync()), shape: t.shape.slice() };
}

export interface GradCheck {
  /** Relative error of the forward output against the float64 reference. */
  forward: number;
  /** Relative error of each input's gradient against float64 central differences. */
  grads: number[];
}

/**
 * Compares f (tfjs, fp32) against ref (float64) on `inputs` (fp32-representable values):
 * outputs directly, and gradients of L = Σ f(x)·g for a fixed random cotangent g against
 * central differences of the float64 reference.
 */
export function gradCheck(f: (xs: tf.Tensor[]) => tf.Tensor, ref: (xs: A64[]) => A64, inputs: A64[], cot: A64): GradCheck {
  const y64 = ref(inputs);
  const fd = finiteDiff64((xs) => dot64(ref(xs), cot), inputs);
  const ts = inputs.map(toTensor);
  const g = toTensor(cot);
  const y = tf.tidy(() => f(ts));
  const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(f(xs), g)))(ts);
  const out: GradCheck = {
    forward: relErr(y.dataSync(), y64.data),
    grads: grads.map((gt, i) => relErr(gt.dataSync(), fd[i].data)),
  };
  tf.dispose([y, g, ...ts, ...grads]);
  return out;
}

/** numTensors after `fn` ran `times` times, minus before; 0 for a leak-free step. */
export function tensorGrowth(fn: () => void, times = 3): number {
  fn(); // first call may allocate caches
  const before = tf.memory().numTensors;
  for (let i = 0; i < times; i++) fn();
  return tf.memory().numTensors - before;
}
