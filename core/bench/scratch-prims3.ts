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
  const W = tf.randomNormal([d, d]);
  console.log('base x@W', time(() => tf.matMul(x, W)));
  console.log('transpose2d [T,d]', time(() => tf.transpose(x)));
  for (const b of [8, 32]) {
    const k = d / b;
    const u = tf.randomNormal([1, T, b, k]) as tf.Tensor4D;
    const F = tf.randomNormal([1, b, k, b]) as tf.Tensor4D;
    const G = tf.randomNormal([T, 1, k, b]) as tf.Tensor4D;
    console.log(`b=${b} depthwise fwd`, time(() => tf.depthwiseConv2d(u, F, 1, 'valid')));
    console.log(`b=${b} depthwise dQ (filter T)`, time(() => tf.depthwiseConv2d(u, G, 1, 'valid')));
    console.log(`b=${b} transpose [T,k,b]->[T,b,k]`, time(() => tf.transpose(x.reshape([T, k, b]), [0, 2, 1])));
    console.log(`b=${b} transpose butterfly i=1 fused [T,ng,2,2,h]->[T,e,r,grp,a]`, time(() => tf.transpose(x.reshape([T, k / 2, 2, 2, b / 2]), [0, 2, 4, 1, 3])));
    console.log(`b=${b} batched [k,T,b]@[k,b,b]`, time(() => tf.matMul(u.reshape([k, T, b]), F.reshape([k, b, b]))));
  }
}
void main();
