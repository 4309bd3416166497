import * as tf from '@tensorflow/tfjs';
import { initBackend, parseBackend } from '../node/backend';

function cpuMs(fn: () => void, reps = 5): number {
  const ts: number[] = [];
  for (let r = 0; r < reps + 1; r++) {
    const t0 = process.cpuUsage();
    fn();
    const u = process.cpuUsage(t0);
    ts.push((u.user + u.system) / 1000);
  }
  ts.shift();
  ts.sort((a, b) => a - b);
  return ts[Math.floor(ts.length / 2)];
}
function time(fn: () => tf.Tensor, reps = 5): number {
  return cpuMs(() => tf.tidy(() => { fn().dataSync(); }), reps);
}

function jsBlockApply(x: Float32Array, Q: Float32Array, T: number, k: number, b: number, out: Float32Array): void {
  const d = k * b;
  for (let t = 0; t < T; t++) {
    const xo = t * d;
    for (let j = 0; j < k; j++) {
      const qo = j * b * b;
      const base = xo + j * b;
      for (let q = 0; q < b; q++) out[base + q] = 0;
      for (let p = 0; p < b; p++) {
        const xv = x[base + p];
        const qrow = qo + p * b;
        for (let q = 0; q < b; q++) out[base + q] += xv * Q[qrow + q];
      }
    }
  }
}

async function main(): Promise<void> {
  await initBackend(parseBackend(process.argv[2] ?? 'wasm'));
  const d = 768, T = 2048;
  const x = tf.randomNormal([T, d]);
  const W = tf.randomNormal([d, d]);
  console.log('base x@W', time(() => tf.matMul(x, W)).toFixed(1));
  console.log('copy add0', time(() => tf.add(x, 0)).toFixed(1));
  console.log('dataSync+tensor roundtrip', cpuMs(() => { const a = tf.add(x, 0); const v = a.dataSync(); const t = tf.tensor2d(v, [T, d]); t.dispose(); a.dispose(); }).toFixed(1));
  for (const b of [8, 32]) {
    const k = d / b;
    const xkb = tf.randomNormal([T, b, k]);
    const F = tf.randomNormal([1, b, k, b]) as tf.Tensor4D;
    console.log(`b=${b} depthwise [1,T,b,k] * [1,b,k,b]`, time(() => tf.depthwiseConv2d(xkb.reshape([1, T, b, k]) as tf.Tensor4D, F, 1, 'valid')).toFixed(1));
    console.log(`b=${b} transpose [T,k,b]->[T,b,k]`, time(() => tf.transpose(x.reshape([T, k, b]), [0, 2, 1])).toFixed(1));
    const xs = new Float32Array(T * d).map(() => Math.random());
    const Qs = new Float32Array(k * b * b).map(() => Math.random());
    const out = new Float32Array(T * d);
    console.log(`b=${b} JS block apply`, cpuMs(() => jsBlockApply(xs, Qs, T, k, b, out)).toFixed(1));
  }
}
void main();
