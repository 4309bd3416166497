// Per-layer BOFT diagnostics for the live charts: how far each adapter's rotation has moved
// from the identity (‖Q − I‖_F, from boft_R in float64), how orthogonal the fp32 Q used in
// the forward is (max |QᵀQ − I|), and how far boft_s has drifted from 1 (RMS).
import * as tf from '@tensorflow/tfjs';
import type { BOFTModel } from '../boft/model';
import { cayley64 } from '../math/reference64';
import type { LayerDiagnostics } from './events';

/** ‖Q − I‖_F over all blocks of R: [nBlocks·b·b] values. */
function distanceFromIdentity(R: Float32Array, b: number): number {
  let sum = 0;
  for (let off = 0; off < R.length; off += b * b) {
    const Q = cayley64(Float64Array.from(R.subarray(off, off + b * b)), b);
    for (let i = 0; i < b; i++) for (let j = 0; j < b; j++) sum += (Q[i * b + j] - (i === j ? 1 : 0)) ** 2;
  }
  return Math.sqrt(sum);
}

/** max |QᵀQ − I| over blocks. Q: [m, k, b, b] (fp32 as used in training). */
function orthogonalityError(Q: tf.Tensor4D): number {
  const [m, k, b] = Q.shape;
  return tf.tidy(() => {
    const q = Q.reshape([m * k, b, b]) as tf.Tensor3D;
    const gram = tf.matMul(q, q, true, false);
    return tf.max(tf.abs(tf.sub(gram, tf.eye(b).expandDims(0)))).dataSync()[0];
  });
}

export function boftDiagnostics(bm: BOFTModel): LayerDiagnostics[] {
  const out: LayerDiagnostics[] = [];
  for (const [path, layer] of bm.boftLayers()) {
    for (const adapter of layer.activeAdapters.filter((a) => layer.hasAdapter(a))) {
      const b = layer.geometry(adapter).b;
      const R = layer.boftR.get(adapter).dataSync() as Float32Array;
      const s = layer.boftS.get(adapter).dataSync();
      const Q = layer.orthogonal(adapter);
      const orthError = orthogonalityError(Q);
      Q.dispose();
      let drift = 0;
      for (const v of s) drift += (v - 1) ** 2;
      out.push({ path, adapter, qMinusI: distanceFromIdentity(R as Float32Array, b), orthError, sDrift: Math.sqrt(drift / s.length) });
    }
  }
  return out;
}
