// Attention building blocks for the model zoo, with transformers' conventions:
// additive masks using float32's most negative value, causal masking aligned to the last
// query (as transformers' masks with a cache), grouped-query heads sharing kv heads in
// consecutive groups (repeat_kv), and LLaMA rotary embeddings (rotate_half, rope_theta).
import * as tf from '@tensorflow/tfjs';
import { swapLast } from '../math/transpose';

/** torch.finfo(torch.float32).min: what transformers adds at masked positions. */
export const FLOAT32_MIN = -3.4028234663852886e38;

export interface AttentionOptions {
  /** Additive mask broadcastable to [B, H, Tq, Tk] (e.g. from paddingMask). */
  mask?: tf.Tensor;
  /** Query i (of Tq) sees keys j ≤ i + (Tk − Tq). */
  causal?: boolean;
  /** Defaults to 1/√D. */
  scale?: number;
}

/** x: [B, Hkv, T, D] -> [B, Hkv·nRep, T, D]; head h reads kv head ⌊h / nRep⌋. */
export function repeatKv(x: tf.Tensor4D, nRep: number): tf.Tensor4D {
  if (nRep === 1) return x.clone();
  const [b, h, t, d] = x.shape;
  // Rank-3 tile: tfjs has no tile gradient above rank 4.
  return tf.tidy(() => tf.reshape(tf.tile(tf.reshape(x, [b * h, 1, t * d]), [1, nRep, 1]), [b, h * nRep, t, d]));
}

/** attentionMask: [B, Tk] of 1 (attend) / 0 (padding) -> additive [B, 1, 1, Tk]. */
export function paddingMask(attentionMask: tf.Tensor2D): tf.Tensor4D {
  const [b, t] = attentionMask.shape;
  return tf.tidy(() => tf.reshape(tf.mul(tf.sub(1, tf.cast(attentionMask, 'float32')), FLOAT32_MIN), [b, 1, 1, t]));
}

/** [Tq, Tk] boolean: true where query i may see key j (j ≤ i + Tk − Tq). */
function causalAllowed(tq: number, tk: number): tf.Tensor2D {
  const allowed = new Uint8Array(tq * tk);
  for (let i = 0; i < tq; i++) for (let j = 0; j <= Math.min(tk - 1, i + tk - tq); j++) allowed[i * tk + j] = 1;
  return tf.tensor2d(allowed, [tq, tk], 'bool');
}

function checkShapes(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D): number {
  const [b, h, , d] = q.shape;
  const [bk, hk, tk, dk] = k.shape;
  const ok = q.rank === 4 && k.rank === 4 && v.rank === 4 && bk === b && dk === d && v.shape[0] === b && v.shape[1] === hk && v.shape[2] === tk;
  if (!ok || h % hk !== 0) {
    throw new Error(`attention: q [${q.shape}], k [${k.shape}], v [${v.shape}] must be [B, H, Tq, D], [B, Hkv, Tk, D], [B, Hkv, Tk, Dv] with H divisible by Hkv`);
  }
  return h / hk;
}

/**
 * softmax(q kᵀ · scale + mask) v. q: [B, H, Tq, D], k: [B, Hkv, Tk, D], v: [B, Hkv, Tk, Dv]
 * -> [B, H, Tq, Dv]. Softmax in fp32.
 */
export function scaledDotProductAttention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, o: AttentionOptions = {}): tf.Tensor4D {
  const nRep = checkShapes(q, k, v);
  const scale = o.scale ?? 1 / Math.sqrt(q.shape[3]);
  return tf.tidy(() => {
    const kr = repeatKv(k, nRep);
    const vr = repeatKv(v, nRep);
    let scores = tf.mul(tf.matMul(q, swapLast(kr)), scale); // [B, H, Tq, Tk]
    if (o.mask) scores = tf.add(scores, o.mask);
    if (o.causal) {
      const allowed = causalAllowed(q.shape[2], k.shape[2]);
      scores = tf.where(allowed, scores, tf.fill(scores.shape, FLOAT32_MIN));
    }
    return tf.matMul(tf.softmax(scores, -1), vr) as tf.Tensor4D;
  });
}

/** x: [B, T, H·D] -> [B, H, T, D]. */
export function splitHeads(x: tf.Tensor3D, numHeads: number): tf.Tensor4D {
  const [b, t, hd] = x.shape;
  if (hd % numHeads !== 0) throw new Error(`splitHeads: width ${hd} of [${x.shape}] is not divisible by num_heads=${numHeads}`);
  return tf.tidy(() => tf.transpose(tf.reshape(x, [b, t, numHeads, hd / numHeads]), [0, 2, 1, 3]));
}

/** x: [B, H, T, D] -> [B, T, H·D]. */
export function mergeHeads(x: tf.Tensor4D): tf.Tensor3D {
  const [b, h, t, d] = x.shape;
  return tf.tidy(() => tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [b, t, h * d]));
}

/**
 * inv_freq[i] = 1 / theta^(2i/D), i < D/2, rounded at each step to fp32 as torch computes it,
 * so angles (and so cos/sin) match transformers' fp32 values.
 */
export function rotaryInvFreq(headDim: number, theta: number): Float32Array {
  if (!Number.isInteger(headDim) || headDim % 2 !== 0) throw new Error(`rotary: head_dim=${headDim} must be even`);
  const out = new Float32Array(headDim / 2);
  for (let i = 0; i < headDim / 2; i++) {
    const expo = Math.fround((2 * i) / headDim);
    out[i] = Math.fround(1 / Math.fround(Math.pow(theta, expo)));
  }
  return out;
}

/** positionIds: [B, T] -> cos, sin: [B, T, D], each cat(freqs, freqs) as LLaMA builds them. */
export function rotaryCosSin(positionIds: number[][], headDim: number, theta: number): { cos: tf.Tensor3D; sin: tf.Tensor3D } {
  const inv = rotaryInvFreq(headDim, theta);
  const [b, t, half] = [positionIds.length, positionIds[0]?.length ?? 0, headDim / 2];
  const cos = new Float32Array(b * t * headDim);
  const sin = new Float32Array(b * t * headDim);
  positionIds.forEach((row, bi) => row.forEach((p, ti) => {
    for (let i = 0; i < half; i++) {
      const angle = Math.fround(p * inv[i]);
      const base = (bi * t + ti) * headDim;
      cos[base + i] = cos[base + half + i] = Math.cos(angle);
      sin[base + i] = sin[base + half + i] = Math.sin(angle);
    }
  }));
  return { cos: tf.tensor3d(cos, [b, t, headDim]), sin: tf.tensor3d(sin, [b, t, headDim]) };
}

/** cat(−x₂, x₁) over the last axis, x = cat(x₁, x₂). */
export function rotateHalf(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const [x1, x2] = tf.split(x, 2, -1);
    return tf.concat([tf.neg(x2), x1], -1);
  });
}

/** x: [B, H, T, D], cos/sin: [B, T, D] -> x·cos + rotate_half(x)·sin (per head). */
export function applyRotary(x: tf.Tensor4D, cos: tf.Tensor3D, sin: tf.Tensor3D): tf.Tensor4D {
  const [b, , t, d] = x.shape;
  if (cos.shape[0] !== b || cos.shape[1] !== t || cos.shape[2] !== d) {
    throw new Error(`applyRotary: x [${x.shape}] needs cos/sin [${b},${t},${d}], got [${cos.shape}]`);
  }
  return tf.tidy(() => {
    const c = tf.expandDims(cos, 1);
    const s = tf.expandDims(sin, 1);
    return tf.add(tf.mul(x, c), tf.mul(rotateHalf(x), s)) as tf.Tensor4D;
  });
}
