import * as tf from '@tensorflow/tfjs';
import { initBackend, parseBackend } from '../node/backend';

function cpuMs(fn: () => void, reps = 12): number {
  const ts: number[] = [];
  for (let r = 0; r < reps + 1; r++) {
    const t0 = process.cpuUsage();
    fn();
    const u = process.cpuUsage(t0);
    ts.push((u.user + u.system) / 1000);
  }
  ts.shift();
  ts.sort((a, b) => a - b);
  return ts[0];
}
function time(fn: () => tf.Tensor, reps = 12): string {
  return cpuMs(() => tf.tidy(() => { fn().dataSync(); }), reps).toFixed(1);
}

async function main(): Promise<void> {
  await initBackend(parseBackend(process.argv[2] ?? 'wasm'));
  const d = Number(process.argv[3] ?? 768), T = Number(process.argv[4] ?? 2048);
  const x = tf.randomNormal([T, d]);
  const x2 = tf.randomNormal([T, d]);
  console.log('add x+x2', time(() => tf.add(x, x2)));
  console.log('mul x*2', time(() => tf.mul(x, 2)));
  console.log('transpose2d [T,d]', time(() => tf.transpose(x)));
  for (const b of [8, 32]) {
    const k = d / b;
    const idx = new Int32Array(d);
    for (let p = 0; p < b; p++) for (let j = 0; j < k; j++) idx[p * k + j] = j * b + p;
    const idxT = tf.tensor1d(idx, 'int32');
    console.log(`b=${b} transpose [T,k,b]->[T,b,k]`, time(() => tf.transpose(x.reshape([T, k, b]), [0, 2, 1])));
    console.log(`b=${b} gather axis1`, time(() => tf.gather(x, idxT, 1)));
    console.log(`b=${b} JS permute via dataSync`, time(() => {
      const src = x.dataSync() as Float32Array;
      const out = new Float32Array(T * d);
      for (let t = 0; t < T; t++) {
        const o = t * d;
        for (let c = 0; c < d; c++) out[o + c] = src[o + idx[c]];
      }
      return tf.tensor2d(out, [T, d]);
    }));
  }
}
void main();
