import * as tf from '@tensorflow/tfjs';
import { initBackend, parseBackend } from '../node/backend';
import { rotate } from '../math/rotation';

function cpuMs(fn: () => void, reps = 6): number {
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

async function main(): Promise<void> {
  await initBackend(parseBackend(process.argv[2] ?? 'wasm'));
  const d = Number(process.argv[3] ?? 768), T = Number(process.argv[4] ?? 2048);
  const x = tf.randomNormal([T, d]) as tf.Tensor2D;
  const Wt = tf.randomNormal([d, d]) as tf.Tensor2D;
  const baseF = cpuMs(() => tf.tidy(() => { tf.matMul(x, Wt).dataSync(); }));
  const baseFB = cpuMs(() => tf.tidy(() => { tf.grad((a: tf.Tensor) => tf.sum(tf.matMul(a as tf.Tensor2D, Wt)))(x).dataSync(); }));
  console.log(`base fwd ${baseF.toFixed(1)} fwdbwd ${baseFB.toFixed(1)}`);
  for (const b of [8, 32]) {
    for (const m of [1, 2, 4]) {
      const k = d / b;
      const g = { d, k, b, m };
      const Q = tf.randomNormal([m, k, b, b]) as tf.Tensor4D;
      const f = cpuMs(() => tf.tidy(() => { rotate(x, Q, g).dataSync(); }));
      const fb = cpuMs(() => tf.tidy(() => {
        const gr = tf.grads((a: tf.Tensor, q: tf.Tensor) => tf.sum(rotate(a as tf.Tensor2D, q as tf.Tensor4D, g)))([x, Q]);
        gr.forEach((t) => t.dataSync());
      }));
      console.log(`b=${b} m=${m} rotate fwd ${f.toFixed(1)} fwdbwd ${fb.toFixed(1)}  (÷ base fwdbwd: ${(fb / baseFB).toFixed(2)})`);
      Q.dispose();
    }
  }
}
void main();
