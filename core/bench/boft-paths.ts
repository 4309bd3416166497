// Measures the two exact BOFT rotation paths of a Linear side by side (same run, same
// backend): 'activation' (x·M, T·d·b·m) vs 'weight' (W·Mᵀ, out·d·b·m), forward in eval and
// forward+backward (grads of boft_R, boft_s, x). Output: one JSON line per case; these ratios
// back the 'auto' rule in core/boft/layer.ts. Run: npx tsx core/bench/boft-paths.ts [backend]
import * as tf from '@tensorflow/tfjs';
import { initBackend, parseBackend } from '../node/backend';
import { Linear } from '../nn/layers/linear';
import { BOFTLinear, type RotationPath } from '../boft/layer';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(fn: () => void, reps: number): number {
  fn();
  const t: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  return median(t);
}

function measure(layer: BOFTLinear, x: tf.Tensor, path: RotationPath, reps: number): { fwd: number; fwdbwd: number } {
  layer.rotationPath = path;
  const vars = [layer.boftR.get('a'), layer.boftS.get('a')];
  const fwd = time(() => tf.tidy(() => layer.forward(x).dataSync()), reps);
  const fwdbwd = time(() => {
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => tf.sum(layer.forward(x)) as tf.Scalar, vars);
      const gx = tf.grad((xi: tf.Tensor) => tf.sum(layer.forward(xi)))(x);
      value.dataSync();
      gx.dataSync();
      Object.values(grads).forEach((g) => g.dataSync());
    });
  }, reps);
  return { fwd, fwdbwd };
}

async function run(): Promise<void> {
  const backend = await initBackend(parseBackend(process.argv[2] ?? 'wasm'));
  const cases = [
    { d: 768, out: 768, T: 64, b: 8, m: 2 },
    { d: 768, out: 768, T: 256, b: 8, m: 2 },
    { d: 768, out: 768, T: 2048, b: 8, m: 2 },
    { d: 768, out: 3072, T: 256, b: 32, m: 1 },
    { d: 768, out: 64, T: 1024, b: 32, m: 1 },
  ];
  for (const c of cases) {
    const layer = new BOFTLinear('bench', new Linear(c.d, c.out, { seed: 1 }));
    layer.addAdapter('a', { geometry: { d: c.d, k: c.d / c.b, b: c.b, m: c.m }, dropout: 0, initWeights: false, seed: 2, trainable: true });
    layer.activeAdapters = ['a'];
    layer.eval();
    const x = tf.randomNormal([c.T, c.d], 0, 1, 'float32', 3);
    const reps = c.T >= 2048 ? 3 : 5;
    const act = measure(layer, x, 'activation', reps);
    const wt = measure(layer, x, 'weight', reps);
    console.log(JSON.stringify({ ...c, backend, act_fwd_ms: +act.fwd.toFixed(1), weight_fwd_ms: +wt.fwd.toFixed(1), act_fwdbwd_ms: +act.fwdbwd.toFixed(1), weight_fwdbwd_ms: +wt.fwdbwd.toFixed(1) }));
    x.dispose();
    layer.dispose();
  }
}

void run();
