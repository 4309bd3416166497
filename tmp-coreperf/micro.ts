import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../core/node/backend';
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function time(name: string, f: () => tf.Tensor) {
  const ts: number[] = [];
  for (let i = 0; i < 6; i++) { const t0 = performance.now(); tf.tidy(() => { f().dataSync(); }); ts.push(performance.now() - t0); }
  console.log(name, med(ts.slice(1)).toFixed(2));
}
async function main() {
  await initBackend('wasm');
  for (const T of [256, 2048]) {
    const d = 768;
    for (const b of [8, 32]) {
      const k = d / b;
      const x = tf.randomNormal([T, d]);
      const W = tf.randomNormal([d, d]);
      const Q = tf.randomNormal([k, b, b]);
      console.log(`--- T=${T} b=${b}`);
      time('matmul', () => tf.matMul(x, W));
      time('copy(add0)', () => tf.add(x, 0));
      time('transpose T,k,b->T,b,k', () => tf.transpose(x.reshape([T, k, b]), [0, 2, 1]));
      time('transpose 5d', () => tf.transpose(x.reshape([T, d / (b * 2), 2, 2, b / 2]), [0, 2, 4, 1, 3]));
      const filt = tf.reshape(tf.transpose(Q, [1, 0, 2]), [1, b, k, b]) as tf.Tensor4D;
      time('depthwise 1xb', () => tf.depthwiseConv2d(x.reshape([1, T, b, k]) as tf.Tensor4D, filt, 1, 'valid'));
      time('depthwise Txx (dQ)', () => tf.depthwiseConv2d(x.reshape([1, T, b, k]) as tf.Tensor4D, x.reshape([T, 1, k, b]) as tf.Tensor4D, 1, 'valid'));
      time('batched matmul [k,T,b]x[k,b,b]', () => tf.matMul(x.reshape([k, T, b]), Q));
      time('scale dw 1x1', () => tf.depthwiseConv2d(x.reshape([1, T, 1, d]) as tf.Tensor4D, tf.ones([1, 1, d, 1]) as tf.Tensor4D, 1, 'valid'));
      time('bcast add bias', () => tf.add(x, tf.ones([d])));
      time('colsum T-depthwise', () => tf.depthwiseConv2d(x.reshape([1, T, 1, d]) as tf.Tensor4D, x.reshape([T, 1, d, 1]) as tf.Tensor4D, 1, 'valid'));
      time('ones@x', () => tf.matMul(tf.ones([1, T]), x));
      time('sum axis0', () => tf.sum(x, 0));
    }
  }
}
void main();
