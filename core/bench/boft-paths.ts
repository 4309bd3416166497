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

type Timed = () => void;

/** Interleaves the candidates rep by rep (A B A B …) so machine noise hits both alike; medians. */
function timeInterleaved(fns: Timed[], reps: number): number[] {
  // Two warm-up rounds: the first calls of a new shape grow the wasm heap, which is slow.
  for (let w = 0; w < 2; w++) fns.forEach((f) => f());
  const t: number[][] = fns.map(() => []);
  for (let i = 0; i < reps; i++) {
    fns.forEach((f, j) => {
      const t0 = performance.now();
      f();
      t[j].push(performance.now() - t0);
    });
  }
  return t.map(median);
}

function forwardOnly(layer: BOFTLinear, x: tf.Tensor, path: RotationPath): Timed {
  return () => {
    layer.rotationPath = path;
    tf.tidy(() => layer.forward(x).dataSync());
  };
}

function forwardBackward(layer: BOFTLinear, x: tf.Tensor, path: RotationPath): Timed {
  const vars = [layer.boftR.get('a'), layer.boftS.get('a')];
  return () => {
    layer.rotationPath = path;
    tf.tidy(() => {
      const f = (xi: tf.Tensor): tf.Scalar => tf.sum(layer.forward(xi)) as tf.Scalar;
      const { value, grads } = tf.variableGrads(() => f(x), vars);
      const gx = tf.grad(f)(x);
      value.dataSync();
      gx.dataSync();
      Object.values(grads).forEach((g) => g.dataSync());
    });
  };
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
    const reps = c.T >= 2048 ? 3 : 7;
    const [ab, wb] = timeInterleaved([forwardBackward(layer, x, 'activation'), forwardBackward(layer, x, 'weight')], reps);
    const [af, wf] = timeInterleaved([forwardOnly(layer, x, 'activation'), forwardOnly(layer, x, 'weight')], reps);
    const r = (v: number): number => +v.toFixed(1);
    console.log(JSON.stringify({ ...c, backend, act_fwd_ms: r(af), weight_fwd_ms: r(wf), act_fwdbwd_ms: r(ab), weight_fwdbwd_ms: r(wb) }));
    x.dispose();
    layer.dispose();
  }
}

void run();
