// Kernel census of one training step of the embedded sample (DigitMLP, batch 32) on wasm:
// frozen base and BOFT m = 1, 2 on fc1/fc2, as bench:train builds them. A millisecond step
// is mostly per-kernel overhead (~2–15 µs a kernel), so the count is the figure to cut;
// it is deterministic where times on this machine are not. NAMES=1 lists every kernel with
// its input shapes. Run: npx tsx core/bench/prof-sample.ts
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../node/backend';
import { createModel } from '../models/registry';
import { crossEntropy } from '../models/losses';
import { BOFTConfig } from '../boft/config';
import { getPeftModel } from '../boft/model';
import { AdamW } from '../train/adamw';
import { digitMlpConfig } from '../train/sample/digit-mlp';

async function main(): Promise<void> {
  await initBackend('wasm');
  for (const m of [0, 1, 2]) {
    const model = createModel(digitMlpConfig() as Record<string, unknown>);
    model.train();
    for (const [, p] of model.namedParameters()) p.trainable = false;
    if (m > 0) getPeftModel(model, new BOFTConfig({ target_modules: ['fc1', 'fc2'], boft_block_size: 8, boft_n_butterfly_factor: m }));
    else model.namedParameters().find(([n]) => n === 'fc1.weight')![1].trainable = true;
    const params = model.namedParameters().filter(([, p]) => p.trainable);
    const opt = new AdamW(params, { betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 });
    const x = tf.randomUniform([32, 1, 8, 8], 0, 1, 'float32', 1);
    const y = tf.tensor1d(Array.from({ length: 32 }, (_, i) => i % 10), 'int32');
    const byVar = new Map(params.map(([n, p]) => [p.name, n]));
    const step = (): void => {
      const { value, grads } = tf.variableGrads(() => crossEntropy(model.forward({ pixel_values: x }).logits as tf.Tensor2D, y), params.map(([, p]) => p));
      opt.step(new Map(Object.entries(grads).map(([k, g]) => [byVar.get(k) ?? k, g])), 1e-4);
      value.dataSync();
      tf.dispose([value, ...Object.values(grads)]);
    };
    step(); step();
    const prof = await tf.profile(() => { step(); });
    const counts = new Map<string, number>();
    for (const k of prof.kernels) counts.set(k.name, (counts.get(k.name) ?? 0) + 1);
    console.log(`m=${m} kernels=${prof.kernels.length}`, [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}:${v}`).join(' '));
    if (process.env.NAMES) console.log(prof.kernels.map((k) => k.name + '[' + k.inputShapes.map(s=>JSON.stringify(s)).join(',') + ']').join('\n'));
    opt.dispose(); model.dispose();
  }
}
void main();
