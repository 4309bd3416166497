// Helpers shared by the core/math tests: error measures and float64 finite differences.
import * as tf from '@tensorflow/tfjs';
import type { BoftGeometry } from './geometry';

/** max |a − b| / max |ref|: error relative to the scale of the reference. */
export function relMaxErr(got: ArrayLike<number>, ref: ArrayLike<number>): number {
  if (got.length !== ref.length) throw new Error(`length mismatch ${got.length} vs ${ref.length}`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < ref.length; i++) {
    num = Math.max(num, Math.abs(got[i] - ref[i]));
    den = Math.max(den, Math.abs(ref[i]));
  }
  return num / (den || 1);
}

/**
 * Central finite differences of a float64 scalar function, step h. With `only`, just those
 * coordinates are differenced (the rest stay 0): keeps large cases cheap.
 */
export function fdGrad64(f: (x: Float64Array) => number, x: Float64Array, h = 1e-6, only?: number[]): Float64Array {
  const g = new Float64Array(x.length);
  const w = Float64Array.from(x);
  for (const i of only ?? x.keys()) {
    w[i] = x[i] + h;
    const up = f(w);
    w[i] = x[i] - h;
    const down = f(w);
    w[i] = x[i];
    g[i] = (up - down) / (2 * h);
  }
  return g;
}

export function dot64(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Float64 copy of a tensor's values that went through fp32 (so both sides see the same inputs). */
export function f32(a: Float64Array): Float64Array {
  return Float64Array.from(Float32Array.from(a));
}

export function t64(t: tf.Tensor): Float64Array {
  return Float64Array.from(t.dataSync());
}

/** Runs `step` n times and returns the tensor-count deltas after each run (all 0 when clean). */
export function tensorLeaks(step: () => void, n = 3): number[] {
  step();
  const deltas: number[] = [];
  for (let i = 0; i < n; i++) {
    const before = tf.memory().numTensors;
    step();
    deltas.push(tf.memory().numTensors - before);
  }
  return deltas;
}

/** Like tf.tidy, but for functions that return host values (arrays, numbers). */
export function scoped<T>(fn: () => T): T {
  tf.engine().startScope();
  try {
    return fn();
  } finally {
    tf.engine().endScope();
  }
}

/** Up to n distinct coordinates of [0, len), spread deterministically. */
export function sampleIndices(len: number, n: number): number[] {
  if (len <= n) return [...Array(len).keys()];
  const step = len / n;
  return Array.from({ length: n }, (_, i) => Math.floor(i * step + (i * 7919) % step));
}

/** Keeps only the coordinates in `idx` (for comparing against a sampled finite difference). */
export function pick(a: ArrayLike<number>, idx: number[]): Float64Array {
  return Float64Array.from(idx, (i) => a[i]);
}

// m = 1..4, several (k, b), b = 2 and b = d (k = 1).
export const ROTATION_GEOMETRIES: BoftGeometry[] = [
  { d: 8, k: 1, b: 8, m: 1 },
  { d: 8, k: 4, b: 2, m: 1 },
  { d: 8, k: 4, b: 2, m: 3 },
  { d: 16, k: 8, b: 2, m: 4 },
  { d: 16, k: 4, b: 4, m: 2 },
  { d: 16, k: 4, b: 4, m: 3 },
  { d: 12, k: 3, b: 4, m: 1 },
  { d: 9, k: 3, b: 3, m: 1 }, // odd b is valid for m = 1
  { d: 24, k: 4, b: 6, m: 3 },
  { d: 32, k: 8, b: 4, m: 4 },
];
