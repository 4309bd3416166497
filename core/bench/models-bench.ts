// `npm run -s bench:models`: checkpoint load time, peak memory while loading, and forward time
// for a DINOv2-small-shaped and a 125M GPT-2-shaped checkpoint with random weights, written to
// a temp dir at bench time. Each measurement runs in a fresh child process so its peak RSS
// (VmHWM) belongs to that load alone. When the reference Python env exists, transformers loads
// and runs the same files in the same run, so the table holds side-by-side ratios.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { createModel } from '../models/registry';
import { initBackend, parseBackend } from '../node/backend';
import { encodeFloats, loadCheckpointInto, writeSafetensorsStreaming, type StreamedTensor } from '../node/checkpoint';
import { seededNormal, type InitMode } from '../nn/init';
import type { ModelInputs } from '../models/types';

interface BenchCase {
  name: string;
  config: Record<string, unknown>;
  inputs: () => ModelInputs;
  inputDesc: string;
  pyInputs: string;
}

const CASES: BenchCase[] = [
  {
    name: 'dinov2-small',
    config: {
      architectures: ['Dinov2ForImageClassification'], model_type: 'dinov2', hidden_size: 384, num_hidden_layers: 12,
      num_attention_heads: 6, mlp_ratio: 4, image_size: 518, patch_size: 14, num_channels: 3, layer_norm_eps: 1e-6,
      hidden_act: 'gelu', layerscale_value: 1e-5, num_labels: 1000, qkv_bias: true, use_swiglu_ffn: false,
    },
    inputs: () => ({ pixel_values: tf.randomNormal([1, 3, 224, 224], 0, 1, 'float32', 1) }),
    inputDesc: 'pixel_values [1, 3, 224, 224] (position grid 37×37 → 16×16)',
    pyInputs: 'dict(pixel_values=torch.randn(1, 3, 224, 224))',
  },
  {
    name: 'gpt2-125m',
    config: {
      architectures: ['GPT2LMHeadModel'], model_type: 'gpt2', vocab_size: 50257, n_positions: 1024, n_embd: 768,
      n_layer: 12, n_head: 12, n_inner: null, activation_function: 'gelu_new', layer_norm_epsilon: 1e-5, tie_word_embeddings: true,
    },
    inputs: () => ({ input_ids: tf.randomUniform([1, 128], 0, 50257, 'int32', 2) }),
    inputDesc: 'input_ids [1, 128]',
    pyInputs: 'dict(input_ids=torch.randint(0, 50257, (1, 128)))',
  },
];

/** Random fp32 weights with the model's own names and shapes, streamed one tensor at a time. */
function writeRandomCheckpoint(c: BenchCase, dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(c.config, null, 2));
  const model = createModel(c.config, { init: 'empty' }); // only names and shapes are needed
  const seen = new Set<tf.Variable>();
  const tensors: StreamedTensor[] = [];
  for (const [name, p] of model.namedParameters()) {
    if (seen.has(p)) continue; // tied weights are stored once, as transformers does
    seen.add(p);
    const next = seededNormal(tensors.length + 1);
    tensors.push({
      name, dtype: 'F32', shape: p.shape.slice(),
      bytes: () => encodeFloats(Float32Array.from({ length: p.size }, () => 0.02 * next()), 'F32'),
    });
  }
  writeSafetensorsStreaming(join(dir, 'model.safetensors'), tensors);
  model.dispose();
}

function peakRssBytes(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : Number.NaN;
}

interface ChildResult {
  params: number;
  createMs: number;
  loadMs: number;
  rssAfterCreate: number;
  peakDuringLoad: number;
  peakExtraReported: number;
  forwardMs: number[];
}

/** Runs in a fresh process: build with `init`, load, forward ×`forwards` on `backend`. */
async function child(caseName: string, dir: string, backend: string, init: InitMode, forwards: number): Promise<void> {
  const c = CASES.find((x) => x.name === caseName);
  if (!c) throw new Error(`unknown case ${caseName}`);
  await initBackend(parseBackend(backend));
  // The backend's first kernel and first upload carry one-time setup; keep it out of "build".
  tf.dispose([tf.fill([1], 0), tf.tensor([0]), tf.zeros([1])]);
  const t0 = performance.now();
  const model = createModel(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>, { init });
  const t1 = performance.now();
  const rssAfterCreate = process.memoryUsage().rss;
  const report = loadCheckpointInto(model, dir);
  const t2 = performance.now();
  const peakDuringLoad = peakRssBytes();
  model.eval();
  const inputs = c.inputs();
  const forwardMs: number[] = [];
  for (let i = 0; i < forwards; i++) {
    const s = performance.now();
    const out = model.forward(inputs);
    await out.logits.data();
    forwardMs.push(performance.now() - s);
    out.logits.dispose();
  }
  const unique = new Set(model.namedParameters().map(([, p]) => p)); // tied weights once
  const params = [...unique].reduce((n, p) => n + p.size, 0);
  const result: ChildResult = {
    params, createMs: t1 - t0, loadMs: t2 - t1, rssAfterCreate, peakDuringLoad, peakExtraReported: report.peakExtraBytes, forwardMs,
  };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

interface PyResult {
  loadMs: number;
  forwardMs: number[];
  peakRss: number;
}

function pythonReference(c: BenchCase, dir: string): PyResult | undefined {
  const py = join(process.cwd(), '.venv-ref', 'bin', 'python');
  if (!existsSync(py)) return undefined;
  const script = `
import time, json, resource, torch
torch.set_num_threads(1)
from transformers import AutoModelForImageClassification, AutoModelForCausalLM
t = time.perf_counter()
cls = AutoModelForCausalLM if ${JSON.stringify(c.name)}.startswith('gpt2') else AutoModelForImageClassification
m = cls.from_pretrained(${JSON.stringify(dir)}, dtype=torch.float32, attn_implementation='eager').eval()
load = (time.perf_counter() - t) * 1000
x = ${c.pyInputs}
fw = []
with torch.no_grad():
    for _ in range(3):
        t = time.perf_counter(); m(**x); fw.append((time.perf_counter() - t) * 1000)
print('RESULT ' + json.dumps(dict(loadMs=load, forwardMs=fw, peakRss=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)))
`;
  try {
    const out = execFileSync(py, ['-c', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TRANSFORMERS_VERBOSITY: 'error' } });
    return JSON.parse(/RESULT (.*)/.exec(out)?.[1] ?? 'null') as PyResult;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    process.stderr.write(`torch reference for ${c.name} failed (column left n/a): ${(err.stderr ?? err.message).split('\n').slice(-3).join(' ')}\n`);
    return undefined;
  }
}

function runChild(c: BenchCase, dir: string, backend: string, init: InitMode, forwards: number): ChildResult {
  const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', c.name, dir, backend, init, String(forwards)], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24,
  });
  const m = /RESULT (.*)/.exec(out);
  if (!m) throw new Error(`child produced no result:\n${out}`);
  return JSON.parse(m[1]) as ChildResult;
}

const mb = (b: number): string => (b / 2 ** 20).toFixed(0);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function section(rows: string[]): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return [
    '<!-- bench:models start -->',
    '## bench:models',
    '',
    `Machine: ${cpus().length}× ${cpu}, Node ${process.version}, tfjs ${tf.version.tfjs}; ${new Date().toISOString().slice(0, 16)}Z. Random fp32 checkpoints generated at bench time. Load average at the end: ${loadavg()[0].toFixed(1)} (a shared machine inflates absolute times; ratios are side by side).`,
    'Build = construct the module tree with `createModel(config, { init })`: `seeded` draws every initial weight from the seeded generator',
    '(the default), `empty` fills zeros (what `loadPretrainedModel` uses: the strict load then assigns every parameter). Load = read/convert/assign',
    'every tensor one at a time. "Peak RSS in load" is the process high-water mark after loading minus RSS after building: the transient cost',
    'of loading; "largest transient" is the largest tensor\'s file bytes plus its fp32 copy (fp32 files are viewed in place: no copy). torch columns: transformers 5.18 `from_pretrained` + forward of the same files in the same run (1 thread), for ratios.',
    'Forward (empty rows only; the weights are the same): median of 3, no grad.',
    '',
    '| model | params | backend | init | build ms | build ÷ seeded | build + load ms | load ms | peak RSS in load (MB) | largest transient (MB) | model fp32 (MB) | forward ms | torch load ms | torch fwd ms | fwd ÷ torch |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '<!-- bench:models end -->',
  ].join('\n');
}

function row(c: BenchCase, backend: string, init: InitMode, r: ChildResult, seededBuildMs: number, py: PyResult | undefined): string {
  const fwd = r.forwardMs.length > 0 ? median(r.forwardMs) : undefined;
  const pyFwd = py && fwd !== undefined ? median(py.forwardMs) : undefined;
  const cells = [
    `${c.name} (${c.inputDesc})`, `${(r.params / 1e6).toFixed(1)}M`, backend, init, r.createMs.toFixed(0), (r.createMs / seededBuildMs).toFixed(3),
    (r.createMs + r.loadMs).toFixed(0), r.loadMs.toFixed(0), mb(r.peakDuringLoad - r.rssAfterCreate), mb(r.peakExtraReported), mb(4 * r.params),
    fwd !== undefined ? fwd.toFixed(0) : '—', py ? py.loadMs.toFixed(0) : 'n/a', pyFwd !== undefined ? pyFwd.toFixed(0) : '—',
    pyFwd !== undefined && fwd !== undefined ? (fwd / pyFwd).toFixed(2) : '—',
  ];
  return `| ${cells.join(' | ')} |`;
}

function writeDocs(text: string): void {
  const path = join(process.cwd(), 'docs', 'benchmarks.md');
  mkdirSync(join(process.cwd(), 'docs'), { recursive: true });
  const old = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n';
  const re = /<!-- bench:models start -->[\s\S]*<!-- bench:models end -->/;
  writeFileSync(path, re.test(old) ? old.replace(re, text) : `${old.trimEnd()}\n\n${text}\n`);
}

async function mainBench(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'boft-bench-models-'));
  const rows: string[] = [];
  await initBackend('cpu'); // the parent only builds trees to learn names and shapes
  try {
    for (const c of CASES) {
      const dir = join(root, c.name);
      writeRandomCheckpoint(c, dir);
      const py = pythonReference(c, dir);
      for (const backend of ['wasm']) {
        const seeded = runChild(c, dir, backend, 'seeded', 0);
        const empty = runChild(c, dir, backend, 'empty', 3);
        rows.push(row(c, backend, 'seeded', seeded, seeded.createMs, py), row(c, backend, 'empty', empty, seeded.createMs, py));
        process.stdout.write(`${JSON.stringify({ case: c.name, backend, seeded, empty, torch: py })}\n`);
      }
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  writeDocs(section(rows));
  process.stdout.write(`${section(rows)}\n`);
}

if (process.argv[2] === '--child') {
  const init = process.argv[6] === 'empty' ? 'empty' : 'seeded';
  child(process.argv[3], process.argv[4], process.argv[5], init, Number(process.argv[7] ?? 3)).catch((e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
} else {
  mainBench().catch((e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
}
