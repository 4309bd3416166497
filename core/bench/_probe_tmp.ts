import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../node/backend';
import { linear } from '../nn/functional';
async function main() {
  await initBackend('wasm');
  const x = tf.randomNormal([2048, 768]); const W = tf.variable(tf.randomNormal([768, 768]), false);
  const t = (f: () => void) => { f(); const t0 = performance.now(); for (let i = 0; i < 3; i++) f(); return ((performance.now() - t0) / 3).toFixed(0); };
  console.log('linear fwd only', t(() => tf.tidy(() => { linear(x, W).dataSync(); })));
  console.log('linear under grad', t(() => tf.tidy(() => { tf.grad((xi: tf.Tensor) => tf.sum(linear(xi, W)))(x).dataSync(); })));
  console.log('matMul plain', t(() => tf.tidy(() => { tf.matMul(x as tf.Tensor2D, W as unknown as tf.Tensor2D).dataSync(); })));
}
void main();
