// Pieces several architectures share: head splitting, masks, eager attention, rotary tables.
import * as tf from '@tensorflow/tfjs';
import { tidyGrad } from '../math/tidy-grad';
import { swapLast } from '../math/transpose';

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
 * q: [B, H, T, dh], k/v: [B, H, S, dh], bias: [B|1, 1, T, S] (a constant mask: no gradient).
 *
 * Head by head with 2-D products (forward and gradient flag-free): on wasm a batched or
 * transposed matMul takes a naive path about 10× slower than a plain 2-D one. All heads are
 * ONE node of the autograd tape with the softmax gradient written out: tfjs keeps every
 * tensor of a forward and every gradient of the backward until the step ends, which for
 * separate ops was ~10 [T, S] tensors per head; here only the probabilities P are kept.
 * Same ops in the same order as the composed form, so the same values.
 */
export function eagerAttention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, scale: number, bias?: tf.Tensor): tf.Tensor4D {
  const [b, h, t, dh] = q.shape;
  const s = k.shape[2];
  const heads = (x: tf.Tensor, rows: number): tf.Tensor2D[] => tf.unstack(tf.reshape(x, [b * h, rows, dh])) as tf.Tensor2D[];
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [qa, ka, va, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const [out, ...P] = tf.tidy(() => {
      const biases = bias ? tf.unstack(tf.reshape(bias, [bias.shape[0], t, s])) : [];
      const [qs, ks, vs] = [heads(qa, t), heads(ka, s), heads(va, s)];
      const res = qs.map((qi, i) => headForward(qi, ks[i], vs[i], scale, bias ? biases[biases.length === 1 ? 0 : Math.floor(i / h)] : undefined));
      return [tf.reshape(tf.stack(res.map((r) => r.O)), [b, h, t, dh]), ...res.map((r) => r.P)];
    });
    save([qa, ka, va, ...P]);
    const gradFunc = tidyGrad((dO: tf.Tensor, saved: tf.Tensor[]) => {
      const [qs, ks, vs, dOs] = [heads(saved[0], t), heads(saved[1], s), heads(saved[2], s), heads(dO, t)];
      const g = qs.map((qi, i) => headBackward(dOs[i], qi, ks[i], vs[i], saved[3 + i] as tf.Tensor2D, scale));
      return [0, 1, 2].map((j) => tf.reshape(tf.stack(g.map((x) => x[j])), [b, h, j === 0 ? t : s, dh]));
    });
    return { value: out, gradFunc };
  });
  return f(q, k, v) as tf.Tensor4D;
}

/** q: [T, dh], k/v: [S, dh], bias: [T, S] -> P = softmax(q kᵀ·scale + bias): [T, S], O = P v: [T, dh]. */
function headForward(q: tf.Tensor2D, k: tf.Tensor2D, v: tf.Tensor2D, scale: number, bias?: tf.Tensor): { P: tf.Tensor2D; O: tf.Tensor2D } {
  let scores = tf.mul(tf.matMul(q, swapLast(k) as tf.Tensor2D), scale);
  if (bias) scores = tf.add(scores, bias);
  const P = tf.softmax(scores, -1) as tf.Tensor2D;
  return { P, O: tf.matMul(P, v) };
}

/** dO: [T, dh] -> [dq, dk, dv]; the softmax gradient is P ⊙ (dP − Σ_row dP ⊙ P). */
function headBackward(dO: tf.Tensor2D, q: tf.Tensor2D, k: tf.Tensor2D, v: tf.Tensor2D, P: tf.Tensor2D, scale: number): tf.Tensor2D[] {
  const dv = tf.matMul(swapLast(P) as tf.Tensor2D, dO); // [S, dh]
  const dP = tf.matMul(dO, swapLast(v) as tf.Tensor2D); // [T, S]
  const dScores = tf.mul(tf.mul(P, tf.sub(dP, tf.sum(tf.mul(dP, P), -1, true))), scale) as tf.Tensor2D;
  return [tf.matMul(dScores, k), tf.matMul(swapLast(dScores) as tf.Tensor2D, q), dv] as tf.Tensor2D[];
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
