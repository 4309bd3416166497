// A BatchMatMul gradient for wasm that does the stock math with explicit transposes and
// plain (flag-free) matMuls. On wasm only a 2-D matMul without transpose flags reaches
// XNNPACK; the stock gradient uses the flags and so takes the naive path, ~9× slower.
//
// The gradient registry is global, not per backend. Registering this one is still safe
// for every backend: it computes the same products (a transpose is an exact copy), so only
// which kernel runs changes. It is registered when wasm is activated, and cpu results are
// left to the stock gradient simply because nobody registers it there.
import * as tf from '@tensorflow/tfjs';
import { swapLast } from './transpose';

const KERNEL = 'BatchMatMul';

/** Sums a gradient computed in the broadcast batch shape back to the input's shape. */
function reduceTo(grad: tf.Tensor, shape: number[]): tf.Tensor {
  if (grad.shape.length === shape.length && grad.shape.every((s, i) => s === shape[i])) return grad;
  const batch = grad.shape.slice(0, -2);
  const own = shape.slice(0, -2);
  const lead = batch.length - own.length;
  const axes = batch.map((_, i) => i).filter((i) => i < lead || own[i - lead] === 1);
  return tf.reshape(axes.length > 0 ? tf.sum(grad, axes) : grad, shape);
}

export interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

/** dL/dA for C = op(a) @ op(b), op = identity or transpose per the attrs; plain matMuls only. */
export function matMulGradA(dy: tf.Tensor, a: tf.Tensor, b: tf.Tensor, attrs: MatMulAttrs): tf.Tensor {
  const { transposeA: tA, transposeB: tB } = attrs;
  let da: tf.Tensor;
  if (!tA) da = tf.matMul(dy, tB ? b : swapLast(b)); // dy @ op(b)ᵀ
  else da = tf.matMul(tB ? swapLast(b) : b, swapLast(dy)); // (dy @ op(b)ᵀ)ᵀ = op(b) @ dyᵀ
  return reduceTo(da, a.shape);
}

/** dL/dB for C = op(a) @ op(b); plain matMuls only. */
export function matMulGradB(dy: tf.Tensor, a: tf.Tensor, b: tf.Tensor, attrs: MatMulAttrs): tf.Tensor {
  const { transposeA: tA, transposeB: tB } = attrs;
  let db: tf.Tensor;
  if (!tB) db = tf.matMul(tA ? a : swapLast(a), dy); // op(a)ᵀ @ dy
  else db = tf.matMul(swapLast(dy), tA ? swapLast(a) : a); // (op(a)ᵀ @ dy)ᵀ = dyᵀ @ op(a)
  return reduceTo(db, b.shape);
}

export const flagFreeBatchMatMulGrad: tf.GradConfig = {
  kernelName: KERNEL,
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, saved, attrs) => {
    const [a, b] = saved;
    const at = attrs as unknown as MatMulAttrs;
    return { a: () => matMulGradA(dy as tf.Tensor, a, b, at), b: () => matMulGradB(dy as tf.Tensor, a, b, at) };
  },
};

/** On wasm, replaces the stock BatchMatMul gradient; on other backends it does nothing. */
export function registerMatMulKernels(backend: string): void {
  if (backend !== 'wasm') return;
  if (tf.getGradient(KERNEL) === flagFreeBatchMatMulGrad) return;
  tf.registerGradient(flagFreeBatchMatMulGrad);
}
