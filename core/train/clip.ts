// Gradient clipping by global L2 norm, as torch.nn.utils.clip_grad_norm_: the coefficient is
// max_norm / (total_norm + 1e-6), applied only when it is below 1. The norm reported is the
// pre-clipping one (what transformers logs as grad_norm).
import * as tf from '@tensorflow/tfjs';

/** √(Σ‖g‖²) over all gradients, read back to JS. */
export function globalNorm(grads: tf.Tensor[]): number {
  if (grads.length === 0) return 0;
  return tf.tidy(() => tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g))))).dataSync()[0]);
}

/**
 * Returns the clipped gradients (new tensors when scaled, the same ones otherwise) and the
 * pre-clip norm. `maxNorm` null disables clipping.
 */
export function clipByGlobalNorm(grads: Map<string, tf.Tensor>, maxNorm: number | null): { grads: Map<string, tf.Tensor>; norm: number } {
  const norm = globalNorm([...grads.values()]);
  if (maxNorm === null) return { grads, norm };
  const coef = maxNorm / (norm + 1e-6);
  if (coef >= 1) return { grads, norm };
  const out = new Map<string, tf.Tensor>();
  for (const [k, g] of grads) out.set(k, tf.mul(g, coef));
  return { grads: out, norm };
}
