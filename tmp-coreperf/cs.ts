import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../core/node/backend';
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function time(name: string, f: () => tf.Tensor) {
  const ts: number[] = [];
  for (let i = 0; i < 9; i++) tf.tidy(() => { const t0 = performance.now(); f().dataSync(); ts.push(performance.now() - t0); });
  console.log(name, med(ts.slice(1)).toFixed(2));
}
async function main() {
  await initBackend('wasm');
  for (const T of [256, 2048]) {
    const n = 768;
    const y = tf.randomNormal([T, n]); const dy = tf.randomNormal([T, n]);
    const ones = tf.ones([1, T]);
    console.log('T', T);
    time('T-depthwise', () => tf.depthwiseConv2d(y.reshape([1, T, 1, n]) as tf.Tensor4D, dy.reshape([T, 1, n, 1]) as tf.Tensor4D, 1, 'valid'));
    time('mul+ones@', () => tf.matMul(ones, tf.mul(y, dy)));
    time('mul+sum0', () => tf.sum(tf.mul(y, dy), 0));
    time('ones@ only', () => tf.matMul(ones, dy));
    time('mul only', () => tf.mul(y, dy));
    time('mul+reshape ones@ [8,T/8]', () => tf.matMul(tf.ones([1, 8]), tf.matMul(tf.ones([8, T / 8 ]).reshape([8, T/8]), tf.mul(y, dy)).reshape([8, n])));
    const Q = tf.randomNormal([96, 8, 8]);
    const u = tf.randomNormal([T, 8, 96]); const dz = tf.randomNormal([T, 96, 8]);
    time('dQ T-depthwise', () => tf.depthwiseConv2d(u.reshape([1, T, 8, 96]) as tf.Tensor4D, dz.reshape([T, 1, 96, 8]) as tf.Tensor4D, 1, 'valid'));
    time('dw 1xb', () => tf.depthwiseConv2d(u.reshape([1, T, 8, 96]) as tf.Tensor4D, Q.transpose([1,0,2]).reshape([1, 8, 96, 8]) as tf.Tensor4D, 1, 'valid'));
    time('dw 1xb batchT', () => tf.depthwiseConv2d(u.reshape([T, 1, 8, 96]) as tf.Tensor4D, Q.transpose([1,0,2]).reshape([1, 8, 96, 8]) as tf.Tensor4D, 1, 'valid'));
  }
}
void main();
