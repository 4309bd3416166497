import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../core/node/backend';
import { Linear } from '../core/nn/layers/linear';
import { BOFTLinear, type RotationPath } from '../core/boft/layer';
async function main() {
  await initBackend('wasm');
  const [d, T, b, m] = [768, Number(process.argv[2] ?? 2048), Number(process.argv[3] ?? 8), Number(process.argv[4] ?? 2)];
  const base = new Linear(d, d, { seed: 1 });
  const layer = new BOFTLinear('bench', base);
  layer.addAdapter('default', { geometry: { d, k: d / b, b, m }, dropout: 0, initWeights: false, seed: 2, trainable: true });
  layer.activeAdapters = ['default'];
  layer.rotationPath = (process.argv[5] ?? 'activation') as RotationPath;
  const x = tf.variable(tf.randomNormal([T, d], 0, 1, 'float32', 3));
  const vars = [x, layer.boftR.get('default'), layer.boftS.get('default')];
  const step = () => tf.tidy(() => { const { grads } = tf.variableGrads(() => tf.sum(layer.forward(x)) as tf.Scalar, vars); for (const g of Object.values(grads)) g.dataSync(); });
  step(); step();
  const agg = new Map<string, [number, number]>();
  for (let r = 0; r < 3; r++) {
    const info = await tf.profile(step);
    for (const k of info.kernels) {
      const t = (await k.kernelTimeMs) as number;
      const key = `${k.name} ${JSON.stringify(k.inputShapes)}`;
      const v = agg.get(key) ?? [0, 0];
      agg.set(key, [v[0] + t / 3, v[1] + 1 / 3]);
    }
  }
  const rows = [...agg.entries()].sort((a, b) => b[1][0] - a[1][0]);
  let tot = 0; for (const [, [t]] of rows) tot += t;
  console.log('total kernel ms', tot.toFixed(1));
  for (const [k, [t, n]] of rows.slice(0, 25)) console.log(t.toFixed(2), n.toFixed(0), k);
}
void main();
