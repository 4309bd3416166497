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

/**
 * How a layer fills its parameters when it is built.
 * - 'seeded': the PyTorch-default distribution from the seeded generator (the default).
 * - 'empty': zeros, for a tree whose every parameter a checkpoint overwrites next. Drawing
 *   random numbers dominates building a large model (GPT-2's 50257×768 embedding alone takes
 *   seconds) and the load discards them. Loading stays strict (missing tensors are errors),
 *   which is what keeps an 'empty' parameter from reaching training or inference unassigned.
 */
export type InitMode = 'seeded' | 'empty';

export const INIT_MODES: readonly InitMode[] = ['seeded', 'empty'];

/** Options every parameterised layer and model builder accepts. */
export interface InitOptions {
  /** Default 'seeded'. */
  init?: InitMode;
}

/**
 * The mode an options object asks for; anything else (a JS caller, a config file) is refused
 * with the layer that received it and the valid modes.
 */
export function initModeOf(opts: InitOptions, where: string): InitMode {
  const mode: unknown = opts.init ?? 'seeded';
  if (mode !== 'seeded' && mode !== 'empty') {
    throw new Error(`${where}: init=${JSON.stringify(mode)} is not an init mode (valid: ${INIT_MODES.join(', ')})`);
  }
  return mode;
}

/**
 * Zeros by the cheapest route per backend (same values either way). On cpu, tf.zeros is a
 * calloc whose pages are never touched when a load then replaces the buffer; elsewhere
 * tf.fill writes backend memory directly instead of uploading a host array of zeros
 * (measured on wasm, GPT-2's embedding: fill about half the time of zeros).
 */
function emptyZeros(shape: number[]): tf.Tensor {
  return tf.getBackend() === 'cpu' ? tf.zeros(shape, 'float32') : tf.fill(shape, 0, 'float32');
}

/**
 * A parameter tensor: `seeded()` under 'seeded', zeros under 'empty'. The seeded draw is a
 * thunk so an 'empty' build never runs the generator.
 */
export function initTensor(mode: InitMode, shape: number[], seeded: () => tf.Tensor): tf.Tensor {
  switch (mode) {
    case 'seeded': return seeded();
    case 'empty': return emptyZeros(shape);
    default: {
      const never: never = mode;
      throw new Error(`unknown init mode ${String(never)}`);
    }
  }
}
