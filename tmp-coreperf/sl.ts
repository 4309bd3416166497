import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../core/node/backend';
async function main() {
  await initBackend('wasm');
  const Q = tf.randomNormal([4, 24, 32, 32]);
  const Q2 = Q.reshape([4, 24 * 32 * 32]);
  for (let rep = 0; rep < 3; rep++) {
    let t0 = performance.now();
    for (let r = 0; r < 50; r++) tf.tidy(() => { for (let i = 0; i < 4; i++) tf.slice(Q, [i, 0, 0, 0], [1, 24, 32, 32]).reshape([24, 32, 32]).dataSync(); });
    const a = (performance.now() - t0) / 200;
    t0 = performance.now();
    for (let r = 0; r < 50; r++) tf.tidy(() => { for (let i = 0; i < 4; i++) tf.slice(Q2, [i, 0], [1, 24 * 32 * 32]).reshape([24, 32, 32]).dataSync(); });
    const b = (performance.now() - t0) / 200;
    t0 = performance.now();
    for (let r = 0; r < 50; r++) tf.tidy(() => { for (const t of tf.unstack(Q)) t.dataSync(); });
    const c = (performance.now() - t0) / 200;
    console.log('4d slice', a.toFixed(3), '2d slice', b.toFixed(3), 'unstack', c.toFixed(3));
  }
}
void main();
