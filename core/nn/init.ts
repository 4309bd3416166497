// Deterministic, seeded initializers. A seed gives the same weights on every backend and
// host because the numbers come from a plain-JS generator, not from the backend's RNG.
import * as tf from '@tensorflow/tfjs';

/** A seeded generator of uniform floats in [0, 1) (mulberry32: small, fast, well mixed). */
export function seededUniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Box–Muller on the seeded generator: standard normal samples. */
export function seededNormal(seed: number): () => number {
  const u = seededUniform(seed);
  return () => {
    const u1 = 1 - u(); // (0, 1]: log stays finite
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u());
  };
}

let unseededCounter = 0;

/** A seed for layers built without one: distinct per call, not reproducible across runs. */
export function freshSeed(): number {
  unseededCounter += 1;
  return (Math.floor(Math.random() * 0x7fffffff) ^ Math.imul(unseededCounter, 0x9e3779b1)) >>> 0;
}

/** Derives independent child seeds (weight vs bias) from one layer seed. */
export function deriveSeed(seed: number, salt: number): number {
  return (Math.imul(seed ^ 0x85ebca6b, 0xc2b2ae35) + Math.imul(salt + 1, 0x27d4eb2f)) >>> 0;
}

/** U(-bound, bound) of the given shape. */
export function uniform(shape: number[], bound: number, seed: number): tf.Tensor {
  const next = seededUniform(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(size);
  for (let i = 0; i < size; i++) v[i] = (2 * next() - 1) * bound;
  return tf.tensor(v, shape, 'float32');
}

/** N(mean, std²) of the given shape. */
export function normal(shape: number[], mean: number, std: number, seed: number): tf.Tensor {
  const next = seededNormal(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(size);
  for (let i = 0; i < size; i++) v[i] = mean + std * next();
  return tf.tensor(v, shape, 'float32');
}

/**
 * PyTorch's default for Linear/Conv weights: kaiming_uniform with a = √5, which reduces to
 * U(-1/√fanIn, 1/√fanIn); the default bias uses the same bound.
 */
export function kaimingUniformDefault(shape: number[], fanIn: number, seed: number): tf.Tensor {
  return uniform(shape, fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0, seed);
}
