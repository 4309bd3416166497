import * as tf from '@tensorflow/tfjs';
import { initBackend, parseBackend } from '../node/backend';
import { rotate } from '../math/rotation';
import { scaleColumns } from '../math/scale';
import { linear } from '../nn/functional';

function cpuMs(fn: () => void): number {
  const t0 = process.cpuUsage();
  fn();
  const u = process.cpuUsage(t0);
  return (u.user + u.system) / 1000;
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  await initBackend(parseBackend(process.argv[2] ?? 'wasm'));
  const d = 768, T = 2048;
  const x = tf.variable(tf.randomNormal([T, d]));
  const W = tf.variable(tf.randomNormal([d, d]), false);
  const bias = tf.variable(tf.randomNormal([d]), false);
  const s = tf.variable(tf.randomNormal([d]));
  for (const [b, m] of [[8, 1], [8, 2], [32, 1], [32, 2]]) {
    const g = { d, k: d / b, b, m };
    const Q = tf.variable(tf.randomNormal([m, d / b, b, b]));
    const fb = (f: () => tf.Tensor, vars: tf.Variable[]) => () => tf.tidy(() => Object.values(tf.variableGrads(() => tf.sum(f()) as tf.Scalar, vars).grads).forEach((t) => t.dataSync()));
    const base = fb(() => linear(x, W, bias), [x]);
    const A = fb(() => tf.add(tf.mul(linear(rotate(x, Q as unknown as tf.Tensor4D, g), W), s), bias), [x, Q, s]);
    const B = fb(() => tf.add(scaleColumns(linear(rotate(x, Q as unknown as tf.Tensor4D, g), W) as tf.Tensor2D, s as unknown as tf.Tensor1D), bias), [x, Q, s]);
    const R = fb(() => linear(rotate(x, Q as unknown as tf.Tensor4D, g), W), [x, Q]);
    const t: number[][] = [[], [], [], []];
    for (let r = 0; r < 6; r++) {
      const row = [cpuMs(base), cpuMs(A), cpuMs(B), cpuMs(R)];
      if (r > 0) row.forEach((v, i) => t[i].push(v));
    }
    const [mb, ma, mB, mR] = t.map(median);
    console.log(`b=${b} m=${m}: base ${mb.toFixed(0)}  mul-scale ${ma.toFixed(0)} (${(ma / mb).toFixed(2)})  scaleColumns ${mB.toFixed(0)} (${(mB / mb).toFixed(2)})  rotate+linear only ${mR.toFixed(0)} (${(mR / mb).toFixed(2)})`);
    Q.dispose();
  }
}
void main();
