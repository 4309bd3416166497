import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../core/node/backend';
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function time(name: string, f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor) {
  const ts: number[] = [];
  for (let i = 0; i < 7; i++) { tf.tidy(() => { let y = x; const t0 = performance.now(); for (let r = 0; r < 5; r++) y = f(y.reshape([-1])); y.dataSync(); ts.push((performance.now() - t0) / 5); }); }
  console.log(name, med(ts.slice(1)).toFixed(2));
}
async function main() {
  await initBackend(process.argv[2] ?? 'wasm');
  const T = 2048, d = 768, b = 8, half = 4;
  const x = tf.randomNormal([T * d]);
  time('copy', (y) => tf.add(y, 1), x);
  time('t3', (y) => tf.transpose(y.reshape([T, 96, 8]), [0, 2, 1]), x);
  time('t5', (y) => tf.transpose(y.reshape([T, 48, 2, 2, half]), [0, 2, 4, 1, 3]), x);
  time('t6 i=1', (y) => tf.transpose(y.reshape([T, 24, 2, 2, 2, half]), [0, 2, 5, 1, 4, 3]), x);
  time('t6 i=2', (y) => tf.transpose(y.reshape([T, 12, 2, 4, 2, half]), [0, 2, 5, 1, 4, 3]), x);
  time('t6 other', (y) => tf.transpose(y.reshape([T, 24, 2, 2, 2, half]), [0, 1, 4, 3, 2, 5]), x);
}
void main();
