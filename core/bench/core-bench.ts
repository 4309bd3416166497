// `npm run -s bench:core [-- --backend wasm|cpu|tensorflow|auto] [--quick] [--reps N]`:
// one BOFT Linear d→d (gradient w.r.t. the input and the adapter's boft_R/boft_s) against
// the frozen base Linear (gradient w.r.t. the input), measured side by side in one run,
// reps interleaved. Times are process CPU time (the machine is shared; wall time there
// measures the neighbours), median of the reps after one warm-up. Prints one JSON line per
// case and replaces the "bench:core" section of docs/benchmarks.md.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend, parseBackend, type BackendRequest } from '../node/backend';
import { Linear } from '../nn/layers/linear';
import { BOFTLinear, type RotationPath } from '../boft/layer';

interface Args {
  backend: BackendRequest;
  quick: boolean;
  reps: number;
  path: RotationPath;
}

interface Result {
  d: number;
  T: number;
  b: number;
  m: number;
  backend: string;
  boft_fwd_ms: number;
  boft_fwdbwd_ms: number;
  base_fwd_ms: number;
  base_fwdbwd_ms: number;
  ratio_fwdbwd: number;
}

// PEFT 0.21 on torch 2.13 CPU, 2 threads, from /work/shared/reference/peft-boft-semantics.md:
// key `${d},${T},${b},${m}` -> [fwd ms, fwd+bwd ms, fwd+bwd ÷ frozen Linear].
const PEFT: Record<string, [number, number, number]> = {
  '768,256,8,1': [19, 38, 13.6], '768,256,8,2': [30, 72, 26.1], '768,256,8,4': [57, 129, 46.8],
  '768,256,32,1': [15, 32, 11.7], '768,256,32,2': [28, 62, 22.6], '768,256,32,4': [53, 131, 47.5],
  '768,2048,8,1': [38, 93, 4.5], '768,2048,8,2': [53, 139, 6.8], '768,2048,8,4': [73, 202, 9.9],
  '768,2048,32,1': [37, 88, 4.3], '768,2048,32,2': [47, 119, 5.8], '768,2048,32,4': [78, 200, 9.7],
  '2048,256,8,1': [249, 547, 27.5], '2048,256,8,2': [529, 1142, 57.3], '2048,256,8,4': [888, 2134, 107.1],
  '2048,256,32,1': [238, 508, 25.5], '2048,256,32,2': [447, 1021, 51.2], '2048,256,32,4': [1035, 2264, 113.7],
  '2048,2048,8,1': [336, 850, 5.9], '2048,2048,8,2': [551, 1386, 9.6], '2048,2048,8,4': [1075, 2553, 17.8],
  '2048,2048,32,1': [388, 800, 5.6], '2048,2048,32,2': [617, 1290, 9.0], '2048,2048,32,4': [993, 2440, 17.0],
  '4096,256,8,1': [1697, 3456, 43.1], '4096,256,32,1': [1957, 4037, 50.4], '4096,256,32,2': [3819, 8991, 112.2],
  '4096,256,32,4': [6912, 16398, 204.6], '4096,2048,32,1': [2163, 5305, 8.8], '4096,2048,32,2': [3921, 9194, 15.2],
  '4096,2048,32,4': [7235, 17078, 28.3],
};

function parseArgs(argv: string[]): Args {
  const args: Args = { backend: 'wasm', quick: false, reps: 3, path: 'auto' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') args.quick = true;
    else if (a === '--backend') args.backend = parseBackend(argv[++i] ?? '');
    else if (a === '--reps') args.reps = Number(argv[++i]);
    else if (a === '--path') args.path = parsePath(argv[++i] ?? '');
    else throw new Error(`bench:core: unknown argument '${a}'; valid: --backend <auto|tensorflow|wasm|cpu>, --quick, --reps <n>, --path <auto|activation|weight>`);
  }
  if (!Number.isInteger(args.reps) || args.reps < 1) throw new Error(`bench:core: --reps must be a positive integer, got ${args.reps}`);
  return args;
}

function parsePath(v: string): RotationPath {
  if (v === 'auto' || v === 'activation' || v === 'weight') return v;
  throw new Error(`bench:core: --path must be auto, activation or weight, got '${v}'`);
}

function cpuMs(fn: () => void): number {
  const t0 = process.cpuUsage();
  fn();
  const u = process.cpuUsage(t0);
  return (u.user + u.system) / 1000;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Forward only, and forward + backward w.r.t. `vars`, both read back to the host. */
function steps(forward: () => tf.Tensor, vars: tf.Variable[]): { fwd: () => void; fwdbwd: () => void } {
  return {
    fwd: () => tf.tidy(() => void forward().dataSync()),
    fwdbwd: () =>
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => tf.sum(forward()) as tf.Scalar, vars);
        for (const g of Object.values(grads)) g.dataSync();
      }),
  };
}

function runCase(d: number, T: number, b: number, m: number, reps: number, path: RotationPath): Omit<Result, 'backend'> {
  const base = new Linear(d, d, { seed: 1 });
  const layer = new BOFTLinear('bench', base);
  base.param('weight').trainable = false; // as BOFTModel leaves it: only the adapter trains
  layer.addAdapter('default', { geometry: { d, k: d / b, b, m }, dropout: 0, initWeights: false, seed: 2, trainable: true });
  layer.activeAdapters = ['default'];
  layer.training = true;
  layer.rotationPath = path;
  const x = tf.variable(tf.randomNormal([T, d], 0, 1, 'float32', 3));
  const baseStep = steps(() => base.forward(x), [x]);
  const boftStep = steps(() => layer.forward(x), [x, layer.boftR.get('default'), layer.boftS.get('default')]);
  const t = { baseF: [] as number[], baseFB: [] as number[], boftF: [] as number[], boftFB: [] as number[] };
  for (let r = 0; r <= reps; r++) {
    const row = [cpuMs(baseStep.fwd), cpuMs(boftStep.fwd), cpuMs(baseStep.fwdbwd), cpuMs(boftStep.fwdbwd)];
    if (r === 0) continue; // warm-up: kernel setup, XNNPACK packing, heap growth
    t.baseF.push(row[0]);
    t.boftF.push(row[1]);
    t.baseFB.push(row[2]);
    t.boftFB.push(row[3]);
  }
  x.dispose();
  layer.dispose();
  const r2 = (v: number): number => Math.round(v * 10) / 10;
  const res = { boft_fwd_ms: r2(median(t.boftF)), boft_fwdbwd_ms: r2(median(t.boftFB)), base_fwd_ms: r2(median(t.baseF)), base_fwdbwd_ms: r2(median(t.baseFB)) };
  return { d, T, b, m, ...res, ratio_fwdbwd: Math.round((res.boft_fwdbwd_ms / res.base_fwdbwd_ms) * 100) / 100 };
}

function tableRow(r: Result): string {
  const p = PEFT[`${r.d},${r.T},${r.b},${r.m}`];
  const peft = p ? `${p[0]} | ${p[1]} | ${p[2]}` : 'n/a | n/a | n/a';
  return `| ${r.d} | ${r.T} | ${r.b} | ${r.m} | ${r.backend} | ${r.base_fwd_ms} | ${r.base_fwdbwd_ms} | ${r.boft_fwd_ms} | ${r.boft_fwdbwd_ms} | **${r.ratio_fwdbwd}** | ${peft} |`;
}

/** Counts the cases that meet issue 2's two targets, from this run's ratios. */
function targetSummary(results: Result[]): string {
  const strict = results.filter((r) => r.T === 2048 && r.m <= 2);
  const okStrict = strict.filter((r) => r.ratio_fwdbwd <= 1.3).length;
  const okAll = results.filter((r) => r.ratio_fwdbwd <= 2).length;
  return `Targets in this run: ≤ 1.3 (T = 2048, m ≤ 2) met in ${okStrict} of ${strict.length} cases; ≤ 2 met in ${okAll} of ${results.length} cases.`;
}

function section(results: Result[], args: Args, load: number): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return [
    '<!-- bench:core start -->',
    '## bench:core',
    '',
    `Machine: ${cpus().length}× ${cpu} (nproc ${cpus().length}), Node ${process.version}, tfjs ${tf.version.tfjs}; ${new Date().toISOString().slice(0, 16)}Z; 1-min load average at the end ${load.toFixed(1)}.${args.quick ? ' `--quick` subset (d = 768).' : ''}`,
    'One Linear d→d with T tokens. Frozen base: forward, and forward + gradient w.r.t. the input. BOFT: the same layer with an adapter',
    '(init_weights=false), forward + gradient w.r.t. the input, boft_R and boft_s. Process CPU time in ms (the machine is shared), median of',
    `${args.reps} interleaved reps after a warm-up. Ratio = BOFT fwd+bwd ÷ base fwd+bwd, same run. Targets: ≤ 1.3 for m ≤ 2 at T = 2048, ≤ 2 everywhere.`,
    'PEFT columns: PEFT 0.21 / torch 2.13 CPU, 2 threads, from the reference notes (m > 1 through a pure-torch stand-in for its CUDA extension).',
    '',
    `Rotation path: \`${args.path}\`${args.path === 'auto' ? ' (the layer\'s default rule, core/boft/layer.ts)' : ''}; the base weight is frozen, as BOFTModel leaves it.`,
    targetSummary(results),
    '',
    '| d | T | b | m | backend | base fwd | base fwd+bwd | BOFT fwd | BOFT fwd+bwd | ratio | PEFT fwd | PEFT fwd+bwd | PEFT ratio |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...results.map(tableRow),
    '<!-- bench:core end -->',
  ].join('\n');
}

function writeDocs(text: string): void {
  const dir = join(process.cwd(), 'docs');
  const path = join(dir, 'benchmarks.md');
  mkdirSync(dir, { recursive: true });
  const old = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n';
  const re = /<!-- bench:core start -->[\s\S]*<!-- bench:core end -->/;
  writeFileSync(path, re.test(old) ? old.replace(re, text) : `${old.trimEnd()}\n\n${text}\n`);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const backend = await initBackend(args.backend);
  const results: Result[] = [];
  for (const d of args.quick ? [768] : [768, 2048, 4096]) {
    for (const T of [256, 2048]) {
      for (const b of [8, 32]) {
        for (const m of [1, 2, 4]) {
          const r: Result = { ...runCase(d, T, b, m, args.reps, args.path), backend };
          results.push(r);
          process.stdout.write(`${JSON.stringify(r)}\n`);
        }
      }
    }
  }
  const text = section(results, args, loadavg()[0]);
  writeDocs(text);
  process.stdout.write(`${text}\n`);
}

void main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
