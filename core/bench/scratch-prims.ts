import * as tf from '@tensorflow/tfjs';
import { initBackend, parseBackend } from '../node/backend';

function time(fn: () => tf.Tensor | tf.Tensor[], reps = 5): number {
  const ts: number[] = [];
  for (let r = 0; r < reps + 1; r++) {
    const t0 = process.cpuUsage();
    tf.tidy(() => { const o = fn(); (Array.isArray(o) ? o : [o]).forEach((t) => t.dataSync()); });
    const u = process.cpuUsage(t0);
    ts.push((u.user + u.system) / 1000);
  }
  ts.shift();
  ts.sort((a, b) => a - b);
  return ts[Math.floor(ts.length / 2)];
}

async function main(): Promise<void> {
  await initBackend(parseBackend(process.argv[2] ?? 'wasm'));
  const d = 768, T = 2048;
  const x = tf.randomNormal([T, d]);
  const W = tf.randomNormal([d, d]);
  const Z = tf.randomNormal([d, T]);
  console.log('base x@W', time(() => tf.matMul(x, W)).toFixed(1));
  console.log('transpose [T,d]', time(() => tf.transpose(x)).toFixed(1));
  console.log('copy add0', time(() => tf.add(x, 0)).toFixed(1));
  for (const b of [8, 32]) {
    const k = d / b;
    const Q = tf.randomNormal([k, b, b]);
    console.log(`b=${b} batched [k,b,b]@[k,b,T]`, time(() => tf.matMul(Q, Z.reshape([k, b, T]))).toFixed(1));
    console.log(`b=${b} batched [k,T,b]@[k,b,b]`, time(() => tf.matMul(Z.reshape([k, T, b]), Q)).toFixed(1));
    const Qs = tf.unstack(Q);
    console.log(`b=${b} split+plain+concat (d,T)`, time(() => tf.concat(tf.split(Z, k, 0).map((z, j) => tf.matMul(Qs[j], z)), 0)).toFixed(1));
    for (const G of [64, 128, 256]) {
      if (G < b) continue;
      const nc = d / G;
      const D = tf.randomNormal([nc, G, G]);
      const Ds = tf.unstack(D);
      console.log(`b=${b} dense chunks G=${G} split+plain+concat`, time(() => tf.concat(tf.split(Z, nc, 0).map((z, j) => tf.matMul(Ds[j], z)), 0)).toFixed(1));
      console.log(`b=${b} dense chunks G=${G} batched`, time(() => tf.matMul(D, Z.reshape([nc, G, T]))).toFixed(1));
    }
    console.log(`b=${b} perm transpose 4d`, time(() => tf.transpose(Z.reshape([d / (2 * b), 2, 2, (b / 2) * T]), [0, 2, 1, 3])).toFixed(1));
    console.log(`b=${b} dQ batched [k,b,T]@[k,T,b] (explicit transpose)`, time(() => tf.matMul(Z.reshape([k, b, T]), tf.transpose(Z.reshape([k, b, T]), [0, 2, 1]))).toFixed(1));
  }
}
void main();
