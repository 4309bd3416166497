// Shared by the BOFT tests: float64 references and error measures. Not used at runtime.
import * as tf from '@tensorflow/tfjs';
import { matmul64, rotationMatrix64, transpose64 } from '../math/reference64';
import type { BoftGeometry } from '../math/geometry';
import type { BOFTLayer } from './layer';

/** max|a − b| / max(max|b|, 1e-30): the relative error every BOFT test states. */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`relErr: lengths ${a.length} vs ${b.length}`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / Math.max(den, 1e-30);
}

export function values(t: tf.Tensor): Float64Array {
  return Float64Array.from(t.dataSync());
}

/** Sets an adapter's boft_R / boft_s to given values (rounded to fp32, as stored). */
export function setAdapter(layer: BOFTLayer, name: string, R: Float64Array, s: Float64Array): void {
  layer.boftR.get(name).assign(tf.tensor(Float32Array.from(R), layer.boftR.get(name).shape));
  layer.boftS.get(name).assign(tf.tensor(Float32Array.from(s), layer.boftS.get(name).shape));
}

/** fp32-rounded copy, so references see exactly the stored values. */
export function f32(a: Float64Array): Float64Array {
  return Float64Array.from(Float32Array.from(a));
}

/** Dense float64 M for raw R. */
export function dense64(R: Float64Array, g: BoftGeometry): Float64Array {
  return rotationMatrix64(f32(R), g);
}

/** W' = (W · M_1ᵀ···M_nᵀ) ⊙ s_1⊙…⊙s_n in float64; W: [out, d]. */
export function mergedRows64(W: Float64Array, out: number, d: number, adapters: { M: Float64Array; s: Float64Array }[]): Float64Array {
  let w = W;
  for (const a of adapters) w = matmul64(w, transpose64(a.M, d, d), out, d, d);
  const r = Float64Array.from(w);
  for (let o = 0; o < out; o++) {
    let s = 1;
    for (const a of adapters) s *= a.s[o];
    for (let j = 0; j < d; j++) r[o * d + j] *= s;
  }
  return r;
}

/** y = x · W'ᵀ + bias in float64; x: [T, d]. */
export function linear64(x: Float64Array, T: number, d: number, Wm: Float64Array, out: number, bias?: Float64Array): Float64Array {
  const y = matmul64(x, transpose64(Wm, out, d), T, d, out);
  if (bias) for (let t = 0; t < T; t++) for (let o = 0; o < out; o++) y[t * out + o] += bias[o];
  return y;
}
