import * as tf from '@tensorflow/tfjs';
import { initBackend, parseBackend } from '../node/backend';

function cpuMs(fn: () => void, reps = 8): number {
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
function time(fn: () => tf.Tensor): string {
  return cpuMs(() => tf.tidy(() => { fn().dataSync(); })).toFixed(1);
}
async function main(): Promise<void> {
  await initBackend(parseBackend(process.argv[2] ?? 'wasm'));
  const T = 2048, out = 768;
  const y = tf.randomNormal([T, out]);
  const y2 = tf.randomNormal([T, out]);
  const s = tf.randomNormal([out]);
  const s1 = tf.randomNormal([1, out]);
  for (let pass = 0; pass < 2; pass++) {
  console.log('same-shape mul', time(() => tf.mul(y, y2)));
  console.log('depthwise 1x1 scale', time(() => tf.depthwiseConv2d(y.reshape([1, T, 1, out]) as tf.Tensor4D, s.reshape([1, 1, out, 1]) as tf.Tensor4D, 1, 'valid')));
  console.log('depthwise T-filter colsum(y*y2)', time(() => tf.depthwiseConv2d(y.reshape([1, T, 1, out]) as tf.Tensor4D, y2.reshape([T, 1, out, 1]) as tf.Tensor4D, 1, 'valid')));
  console.log('mul + ones@ colsum(y*y2)', time(() => tf.matMul(tf.ones([1, T]), tf.mul(y, y2))));
  console.log('bcast mul [T,out]*[out]', time(() => tf.mul(y, s)));
  console.log('bcast add [T,out]+[out]', time(() => tf.add(y, s)));
  console.log('tile s then mul', time(() => tf.mul(y, tf.tile(s1, [T, 1]))));
  console.log('sum axis0', time(() => tf.sum(y, 0)));
  console.log('ones[1,T] @ y (sum via matmul)', time(() => tf.matMul(tf.ones([1, T]), y)));
  console.log('mul scalar', time(() => tf.mul(y, 2)));
  console.log('reshape-copy via add zeros same shape', time(() => tf.add(y, tf.zerosLike(y))));
  }
}
void main();
