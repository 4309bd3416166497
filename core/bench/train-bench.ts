// `npm run -s bench:train`: one full training step (forward, backward, AdamW update) on wasm
// for the sample, a DINOv2-small-shaped and a GPT-2-shaped model, with BOFT (m = 1, 2), a
// minimal LoRA r=8 and the frozen base (forward + backward through every layer), measured
// side by side in one run. Writes JSON lines to stdout and the "bench:train" section of
// docs/benchmarks.md. BENCH_REPS (default 5): the fewest timed rounds per case, after a warm-up.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../node/backend';
import { Layer, type Module } from '../nn/module';
import { linear } from '../nn/functional';
import { uniform } from '../nn/init';
import { createModel } from '../models/registry';
import { crossEntropy, shiftedCrossEntropy } from '../models/losses';
import type { ModelInputs, PretrainedModel } from '../models/types';
import { BOFTConfig } from '../boft/config';
import { getPeftModel } from '../boft/model';
import { AdamW } from '../train/adamw';
import { digitMlpConfig } from '../train/sample/digit-mlp';
import { startHeapMeter, type HeapMeter } from './heap-meter';

type Method = 'frozen' | 'lora-r8' | 'boft-m1' | 'boft-m2';
const METHODS: Method[] = ['frozen', 'lora-r8', 'boft-m1', 'boft-m2'];

interface Case {
  name: string;
  shape: string;
  config: Record<string, unknown>;
  batch: number;
  inputs: () => ModelInputs;
  loss: (m: PretrainedModel, x: ModelInputs) => tf.Scalar;
  targets: string[];
  blockSize: number;
  /** A parameter near the input: training only it makes the backward traverse every layer. */
  probe: string;
}

/** Minimal LoRA: y = base(x) + (x Aᵀ) Bᵀ · α/r, B = 0 at init (as PEFT). */
class LoraLayer extends Layer {
  readonly typeName = 'lora.Linear';
  constructor(base: Layer, readonly inF: number, readonly outF: number, readonly r = 8, readonly alpha = 8) {
    super();
    this.registerModule('base_layer', base);
    this.registerParameter('lora_A', uniform([r, inF], 1 / Math.sqrt(inF), 7));
    this.registerParameter('lora_B', tf.zeros([outF, r]));
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const y = (this.child('base_layer') as Layer).forward(x);
      const d = linear(linear(x, this.param('lora_A')), this.param('lora_B'));
      return tf.add(y, tf.mul(d, this.alpha / this.r));
    });
  }
}

function matches(path: string, targets: string[]): boolean {
  return targets.some((t) => path === t || path.endsWith(`.${t}`));
}

function freezeAll(m: Module): void {
  for (const [, p] of m.namedParameters()) p.trainable = false;
}

function prepare(model: PretrainedModel, c: Case, method: Method): void {
  freezeAll(model);
  switch (method) {
    case 'frozen':
      model.namedParameters().find(([n]) => n === c.probe)![1].trainable = true;
      return;
    case 'lora-r8':
      for (const [path, mod] of [...model.namedModules()]) {
        const info = mod.info(path);
        if (path && matches(path, c.targets) && info.inFeatures && info.outFeatures) model.setSubmodule(path, new LoraLayer(mod as Layer, info.inFeatures, info.outFeatures));
      }
      return;
    case 'boft-m1':
    case 'boft-m2':
      getPeftModel(model, new BOFTConfig({ target_modules: c.targets, boft_block_size: c.blockSize, boft_n_butterfly_factor: method === 'boft-m1' ? 1 : 2, fan_in_fan_out: c.name.startsWith('gpt2') }));
      return;
    default: {
      const never: never = method;
      throw new Error(`unknown method ${String(never)}`);
    }
  }
}

function makeStep(model: PretrainedModel, c: Case): { step: () => void; dispose: () => void; trainable: number } {
  const params = model.namedParameters().filter(([, p]) => p.trainable);
  const opt = new AdamW(params, { betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 });
  const x = c.inputs();
  const byVar = new Map(params.map(([n, p]) => [p.name, n]));
  const step = (): void => {
    const { value, grads } = tf.variableGrads(() => c.loss(model, x), params.map(([, p]) => p));
    opt.step(new Map(Object.entries(grads).map(([k, g]) => [byVar.get(k) ?? k, g])), 1e-4);
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  };
  const dispose = (): void => { opt.dispose(); tf.dispose(Object.values(x) as tf.Tensor[]); };
  return { step, dispose, trainable: params.reduce((s, [, p]) => s + p.size, 0) };
}

interface Prepared {
  method: Method;
  model: PretrainedModel;
  step: () => void;
  dispose: () => void;
  trainable: number;
}

function prepareMethod(c: Case, method: Method): Prepared {
  const model = createModel(c.config);
  model.train();
  prepare(model, c, method);
  const { step, dispose, trainable } = makeStep(model, c);
  return { method, model, step, dispose: () => { dispose(); model.dispose(); }, trainable };
}

/** Peak live buffers over one step, with only this method's model alive (weights, optimizer state, the step's tensors). */
function measureMemory(c: Case, method: Method, meter: HeapMeter): { peak: number; own: number; trainable: number } {
  const p = prepareMethod(c, method);
  try {
    p.step(); // warm-up: kernel setup, XNNPACK packing, optimizer state
    meter.resetPeak();
    const before = meter.live();
    p.step();
    const peak = meter.peak();
    return { peak, own: peak - before, trainable: p.trainable };
  } finally {
    p.dispose();
  }
}

/** The median; for an even count the mean of the two middle values (with 2 rounds, the upper one would be the slower). */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 === 1 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/** Steps until ~300 ms have passed (JIT, kernel setup, XNNPACK packing, optimizer state; at least 2 steps) -> the last steps' mean ms. */
function warmUp(p: Prepared): number {
  const t0 = performance.now();
  let n = 0;
  let tail = t0;
  for (; n < 2 || performance.now() - t0 < 300; n++) {
    if (n === 1) tail = performance.now();
    p.step();
  }
  return (performance.now() - tail) / (n - 1);
}

/**
 * Step time of every method, interleaved: all models are built, then each round times a
 * batch of steps of each method in turn (the order rotating), so drift on this shared
 * machine hits every method alike. A batch is one step for the large shapes and ~40 ms of
 * steps for millisecond ones; the result is the median over rounds of the per-step mean.
 */
function measureTimes(c: Case, reps: number): Map<Method, number> {
  const all = METHODS.map((m) => prepareMethod(c, m));
  try {
    const est = all.map(warmUp);
    const batch = est.map((ms) => Math.max(1, Math.round(40 / Math.max(ms, 0.01))));
    const rounds = Math.max(reps, Math.min(61, Math.ceil(2000 / (batch[0] * est[0] * all.length))));
    const per: number[][] = all.map(() => []);
    for (let r = 0; r < rounds; r++) {
      for (let j = 0; j < all.length; j++) {
        const i = (j + r) % all.length;
        const t0 = performance.now();
        for (let s = 0; s < batch[i]; s++) all[i].step();
        per[i].push((performance.now() - t0) / batch[i]);
      }
    }
    if (process.env.BENCH_DEBUG) all.forEach((p, i) => console.error(p.method, batch[i], per[i].map((v) => v.toFixed(2)).join(' ')));
    return new Map(all.map((p, i) => [p.method, median(per[i])]));
  } finally {
    all.forEach((p) => p.dispose());
  }
}

function measureCase(c: Case, reps: number, meter: HeapMeter): Record<string, number | string>[] {
  const mem = METHODS.map((m) => measureMemory(c, m, meter));
  const times = measureTimes(c, reps);
  return METHODS.map((method, i) => {
    const ms = times.get(method)!;
    const { peak, own, trainable } = mem[i];
    return { model: c.name, method, step_ms: Number(ms.toFixed(ms < 100 ? 2 : 0)), samples_per_s: Number(((c.batch * 1000) / ms).toFixed(2)), peak_mb: Number((peak / 2 ** 20).toFixed(2)), step_mb: Number((own / 2 ** 20).toFixed(2)), trainable };
  });
}

function randInts(n: number, max: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => (i * 2654435761) % max);
}

const CASES: Case[] = [
  {
    name: 'sample (DigitMLP)', shape: '64→128→128→10 MLP, batch 32, BOFT b=8', config: digitMlpConfig() as Record<string, unknown>, batch: 32,
    inputs: () => ({ pixel_values: tf.randomUniform([32, 1, 8, 8], 0, 1, 'float32', 1), labels: tf.tensor1d(randInts(32, 10), 'int32') }),
    loss: (m, x) => crossEntropy(m.forward({ pixel_values: x.pixel_values }).logits as tf.Tensor2D, x.labels as tf.Tensor1D),
    targets: ['fc1', 'fc2'], blockSize: 8, probe: 'fc1.weight',
  },
  {
    name: 'dinov2-small-shaped', shape: '12 layers, hidden 384, 6 heads, MLP 1536, 224² / patch 14 (257 tokens), batch 1, BOFT b=16',
    config: { architectures: ['Dinov2ForImageClassification'], model_type: 'dinov2', hidden_size: 384, num_hidden_layers: 12, num_attention_heads: 6, mlp_ratio: 4, image_size: 224, patch_size: 14, num_channels: 3, num_labels: 10, layer_norm_eps: 1e-6, hidden_act: 'gelu', qkv_bias: true, layerscale_value: 1 },
    batch: 1,
    inputs: () => ({ pixel_values: tf.randomNormal([1, 3, 224, 224], 0, 1, 'float32', 2), labels: tf.tensor1d([3], 'int32') }),
    loss: (m, x) => crossEntropy(m.forward({ pixel_values: x.pixel_values }).logits as tf.Tensor2D, x.labels as tf.Tensor1D),
    targets: ['query', 'key', 'value', 'dense', 'fc1', 'fc2'], blockSize: 16, probe: 'dinov2.encoder.layer.0.norm1.weight',
  },
  {
    name: 'gpt2-shaped', shape: '4 layers, width 768, 12 heads, batch 4×256, vocab 1024 (reduced: the LM head would otherwise dominate), BOFT b=16',
    config: { architectures: ['GPT2LMHeadModel'], model_type: 'gpt2', n_embd: 768, n_layer: 4, n_head: 12, n_positions: 256, vocab_size: 1024, activation_function: 'gelu_new', layer_norm_epsilon: 1e-5 },
    batch: 4,
    inputs: () => ({ input_ids: tf.tensor2d(randInts(4 * 256, 1024), [4, 256], 'int32') }),
    loss: (m, x) => shiftedCrossEntropy(m.forward({ input_ids: x.input_ids }).logits, x.input_ids as tf.Tensor),
    targets: ['c_attn', 'c_proj', 'c_fc'], blockSize: 16, probe: 'transformer.h.0.ln_1.weight',
  },
];

function table(rows: Record<string, number | string>[]): string[] {
  const out = ['| model | method | step ms | ÷ frozen fwd+bwd | ÷ LoRA r=8 | samples/s | peak MB | ÷ LoRA memory | step own MB | trainable params |', '|---|---|---|---|---|---|---|---|---|---|'];
  for (const r of rows) {
    const frozen = rows.find((x) => x.model === r.model && x.method === 'frozen')!;
    const lora = rows.find((x) => x.model === r.model && x.method === 'lora-r8')!;
    const ratio = (a: number | string, b: number | string): string => (Number(a) / Number(b)).toFixed(2);
    out.push(`| ${r.model} | ${r.method} | ${r.step_ms} | ${ratio(r.step_ms, frozen.step_ms)} | ${ratio(r.step_ms, lora.step_ms)} | ${r.samples_per_s} | ${r.peak_mb} | ${ratio(r.peak_mb, lora.peak_mb)} | ${r.step_mb} | ${r.trainable} |`);
  }
  return out;
}

function writeSection(lines: string[]): void {
  const path = new URL('../../docs/benchmarks.md', import.meta.url);
  const start = '<!-- bench:train start -->';
  const end = '<!-- bench:train end -->';
  const old = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n';
  const block = [start, ...lines, end].join('\n');
  const i = old.indexOf(start);
  const j = old.indexOf(end);
  writeFileSync(path, i >= 0 && j > i ? old.slice(0, i) + block + old.slice(j + end.length) : `${old.trimEnd()}\n\n${block}\n`);
}

/** Rows of an earlier run's JSON lines (BENCH_FROM_LOG=<file>): re-render the section without re-measuring. */
function rowsFromLog(path: string): Record<string, number | string>[] {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, number | string>);
}

async function main(): Promise<void> {
  const backend = await initBackend('wasm');
  const meter = startHeapMeter(); // before any model: peaks include weights and optimizer state
  const reps = Number(process.env.BENCH_REPS ?? 5);
  const only = process.env.BENCH_CASES?.split(',');
  const fromLog = process.env.BENCH_FROM_LOG;
  const rows: Record<string, number | string>[] = fromLog ? rowsFromLog(fromLog) : [];
  for (const c of fromLog ? [] : CASES.filter((x) => !only || only.some((o) => x.name.startsWith(o)))) {
    for (const r of measureCase(c, reps, meter)) {
      rows.push(r);
      console.log(JSON.stringify({ ...r, backend }));
    }
  }
  const measured = CASES.filter((c) => ['frozen', 'lora-r8'].every((m) => rows.some((r) => r.model === c.name && r.method === m)));
  const when = new Date().toISOString().slice(0, 16).replace('T', ' ');
  writeSection([
    '## bench:train — one training step (fwd + bwd + AdamW) on wasm',
    '',
    `\`npm run -s bench:train\`, ${when} UTC, ${cpus()[0]?.model ?? 'cpu'} ×${cpus().length}, Node ${process.version}, tfjs ${tf.version_core}, backend ${backend}; step time: the four methods' models are built together and timed in interleaved rounds (the order rotating; one step per round for the large shapes, ~40 ms of steps for millisecond ones), median over at least ${reps} rounds of the per-step mean, after a warm-up (the machine is shared: compare ratios). "frozen fwd+bwd": the base with only its first LayerNorm weight trainable, so the backward runs through every layer. LoRA r=8: a minimal LoRA layer on the same target modules. Peak memory: the highest total of live tensor buffers during one step (weights, optimizer state and the step's tensors), counted at the wasm allocator (core/bench/heap-meter.ts; tfjs's own byte count adds a view's size again for every reshape); "step's own": that peak minus what was live before the step. Targets: BOFT step ≤ 1.2× LoRA, memory ≤ 1.1× LoRA.`,
    '',
    ...measured.map((c) => `- ${c.name}: ${c.shape}; targets ${c.targets.join(', ')}`),
    '',
    ...table(rows.filter((r) => measured.some((c) => c.name === r.model))),
    '',
    'PEFT on this machine (torch CPU, GPT-2 shape, from ../shared/reference/peft-boft-semantics.md): BOFT m1 8.63 s / 1211 MB, m2 14.64 s / 1638 MB, LoRA r8 0.96 s / 750 MB (process RSS, full vocabulary).',
    ...(process.env.BENCH_NOTE ? ['', process.env.BENCH_NOTE] : []),
  ]);
}

main().catch((e: unknown) => {
  console.error((e as Error).stack ?? String(e));
  process.exit(1);
});
