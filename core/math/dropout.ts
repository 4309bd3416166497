// Multiplicative dropout as the reference does it during training: one factor, chosen at
// random, gets int(p·k) of its blocks, chosen at random, replaced by the identity.
import * as tf from '@tensorflow/tfjs';

/** Uniform [0, 1) source; injected so training runs are reproducible. */
export interface Rng {
  next(): number;
}

/** An Rng whose whole state is one uint32, so checkpoints can store and restore it. */
export interface SeededRng extends Rng {
  getState(): number;
  setState(state: number): void;
}

/** mulberry32: small, fast, deterministic, good enough for choosing blocks. */
export function seededRng(seed: number): SeededRng {
  let s = seed >>> 0;
  return {
    getState: () => s,
    setState(state: number): void {
      if (!Number.isInteger(state) || state < 0 || state > 0xffffffff) throw new Error(`dropout generator state must be a uint32, got ${state}`);
      s = state;
    },
    next(): number {
      s = (s + 0x6d2b79f5) >>> 0;
      let t = s;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

/** Which blocks to drop: the factor index and a 0/1 mask over its k blocks. */
export interface DropoutChoice {
  factor: number;
  dropped: Uint8Array;
}

export function chooseDropout(m: number, k: number, p: number, rng: Rng): DropoutChoice {
  if (!(p >= 0 && p < 1)) throw new Error(`boft_dropout=${p} must be in [0, 1)`);
  const factor = Math.min(m - 1, Math.floor(rng.next() * m));
  const count = Math.trunc(p * k);
  const order = Array.from({ length: k }, (_, i) => i);
  for (let i = k - 1; i > 0; i--) {
    const j = Math.min(i, Math.floor(rng.next() * (i + 1)));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const dropped = new Uint8Array(k);
  for (let i = 0; i < count; i++) dropped[order[i]] = 1;
  return { factor, dropped };
}

/** Q: [m, k, b, b] -> a new Q with the chosen blocks = I; differentiable w.r.t. the kept ones. */
export function boftDropout(Q: tf.Tensor4D, p: number, rng: Rng): tf.Tensor4D {
  const [m, k, b] = Q.shape;
  // p = 0 is the reference's nn.Identity: no randomness is drawn.
  if (p === 0) return tf.clone(Q);
  const { factor, dropped } = chooseDropout(m, k, p, rng);
  return tf.tidy(() => {
    const maskData = new Float32Array(m * k);
    for (let j = 0; j < k; j++) maskData[factor * k + j] = dropped[j];
    const mask = tf.tensor4d(maskData, [m, k, 1, 1]);
    const eye = tf.eye(b).reshape([1, 1, b, b]);
    return tf.add(tf.mul(tf.sub(1, mask), Q), tf.mul(mask, eye)) as tf.Tensor4D;
  });
}
