// Pieces several architectures share: head splitting, masks, eager attention, rotary tables.
import * as tf from '@tensorflow/tfjs';
import { conv1dGpt2 } from '../nn/functional';

/** torch.finfo(float32).min: the additive mask value transformers' eager attention uses. */
export const MASK_MIN = -3.4028234663852886e38;

/** x: [B, T, H·dh] → [B, H, T, dh]. */
export function splitHeads(x: tf.Tensor, heads: number): tf.Tensor4D {
  const [b, t, hd] = x.shape;
  return tf.transpose(tf.reshape(x, [b, t, heads, hd / heads]), [0, 2, 1, 3]);
}

/** x: [B, H, T, dh] → [B, T, H·dh]. */
export function mergeHeads(x: tf.Tensor4D): tf.Tensor3D {
  const [b, h, t, dh] = x.shape;
  return tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [b, t, h * dh]);
}

export interface MaskSpec {
  /** [B, S] with 1 for tokens to attend to, 0 for padding. */
  keyMask?: tf.Tensor;
  causal: boolean;
  /** Mistral/Qwen2: a query attends only to the last `slidingWindow` positions. */
  slidingWindow?: number;
}

/**
 * Additive attention bias [B|1, 1, T, S]: 0 where allowed, MASK_MIN elsewhere. A fully masked
 * row then softmaxes to uniform weights, as transformers' eager path does.
 */
export function attentionBias(spec: MaskSpec, t: number, s: number): tf.Tensor | undefined {
  if (!spec.keyMask && !spec.causal) return undefined;
  return tf.tidy(() => {
    let allowed: tf.Tensor = tf.ones([1, 1, t, s], 'bool');
    if (spec.causal) {
      const q = tf.reshape(tf.range(s - t, s, 1, 'int32'), [t, 1]); // query positions
      const k = tf.reshape(tf.range(0, s, 1, 'int32'), [1, s]);
      let c = tf.lessEqual(k, q);
      if (spec.slidingWindow !== undefined) c = tf.logicalAnd(c, tf.greater(k, tf.sub(q, spec.slidingWindow)));
      allowed = tf.logicalAnd(allowed, tf.reshape(c, [1, 1, t, s]));
    }
    if (spec.keyMask) {
      const [b] = spec.keyMask.shape;
      allowed = tf.logicalAnd(allowed, tf.reshape(tf.cast(spec.keyMask, 'bool'), [b, 1, 1, s]));
    }
    return tf.where(allowed, tf.zeros(allowed.shape), tf.fill(allowed.shape, MASK_MIN));
  });
}

/** kv: [B, Hkv, S, dh] → [B, Hkv·rep, S, dh]; kv head j serves query heads j·rep … j·rep+rep−1. */
export function repeatKv(kv: tf.Tensor4D, rep: number): tf.Tensor4D {
  if (rep === 1) return kv;
  const [b, h, s, dh] = kv.shape;
  // concat rather than tile: tfjs has no tile gradient for rank 5.
  const x = tf.reshape(kv, [b, h, 1, s, dh]);
  return tf.reshape(tf.concat(new Array<tf.Tensor>(rep).fill(x), 2), [b, h * rep, s, dh]);
}

/**
 * Eager attention, softmax(q kᵀ · scale + bias) v, as transformers' eager implementation.
 * q: [B, H, T, dh], k/v: [B, H, S, dh], bias: [B|1, 1, T, S].
 * Head by head with 2-D products (forward and gradient flag-free): on wasm a batched or
 * transposed matMul takes a naive path about 10× slower than a plain 2-D one.
 */
export function eagerAttention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, scale: number, bias?: tf.Tensor): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, t, dh] = q.shape;
    const s = k.shape[2];
    const qs = tf.unstack(tf.reshape(q, [b * h, t, dh]));
    const ks = tf.unstack(tf.reshape(k, [b * h, s, dh]));
    const vs = tf.unstack(tf.reshape(v, [b * h, s, dh]));
    const biases = bias ? tf.unstack(tf.reshape(bias, [bias.shape[0], t, s])) : [];
    const out = qs.map((qi, i) => {
      let scores = tf.mul(conv1dGpt2(qi, tf.transpose(ks[i])), scale); // [T, S]
      if (bias) scores = tf.add(scores, biases[biases.length === 1 ? 0 : Math.floor(i / h)]);
      return conv1dGpt2(tf.softmax(scores, -1), vs[i]); // [T, dh]
    });
    return tf.reshape(tf.stack(out), [b, h, t, dh]) as tf.Tensor4D;
  });
}

/**
 * Default RoPE tables for positions 0..T−1: cos/sin [T, dh], with the frequency vector
 * duplicated over both halves (the rotate_half layout). Built in float64, rounded once.
 */
export function ropeTables(t: number, headDim: number, theta: number): { cos: tf.Tensor2D; sin: tf.Tensor2D } {
  const half = headDim / 2;
  const cos = new Float32Array(t * headDim);
  const sin = new Float32Array(t * headDim);
  for (let i = 0; i < half; i++) {
    // transformers computes inv_freq in fp32; rounding it first keeps angles bit-close to theirs.
    const invFreq = Math.fround(1 / Math.pow(theta, (2 * i) / headDim));
    for (let p = 0; p < t; p++) {
      const a = Math.fround(p * invFreq);
      cos[p * headDim + i] = cos[p * headDim + i + half] = Math.cos(a);
      sin[p * headDim + i] = sin[p * headDim + i + half] = Math.sin(a);
    }
  }
  return { cos: tf.tensor2d(cos, [t, headDim]), sin: tf.tensor2d(sin, [t, headDim]) };
}

/** x·cos + rotate_half(x)·sin with rotate_half(x) = [−x₂, x₁]. x: [B, H, T, dh]. */
export function applyRope(x: tf.Tensor4D, cos: tf.Tensor2D, sin: tf.Tensor2D): tf.Tensor4D {
  return tf.tidy(() => {
    const half = x.shape[3] / 2;
    const [x1, x2] = tf.split(x, [half, half], 3);
    const rotated = tf.concat([tf.neg(x2), x1], 3);
    return tf.add(tf.mul(x, cos), tf.mul(rotated, sin)) as tf.Tensor4D;
  });
}

/** [B, T] int ids as int32 (safetensors inputs may be stored as I64 and read as int32). */
export function asInt(t: tf.Tensor): tf.Tensor {
  return t.dtype === 'int32' ? t : tf.cast(t, 'int32');
}
