// Integrity of the committed golden fixtures, checked with plain float64 JS (independent of
// both tfjs math and the Python that wrote them), plus the loader's refusal of bad fixtures.
import { describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { parseSafetensors } from '../../io/safetensors';
import { FIXTURE_ROOT, disposeFixtureCase, fixtureTensor, listFixtureCases, loadFixtureCase, type FixtureCase, type FixtureLayer } from './fixtures';

const TOL = 1e-5; // fp32 outputs against float64 recomputation, relative to the largest magnitude

function f64(c: FixtureCase, key: string): Float64Array {
  return Float64Array.from(fixtureTensor(c, key).dataSync());
}

/** y = x W^T + b in float64; x: [rows, din], w: [dout, din] (Linear) or [din, dout] (Conv1D). */
function dense(x: Float64Array, w: Float64Array, b: Float64Array | null, din: number, dout: number, conv1d: boolean): Float64Array {
  const rows = x.length / din;
  const y = new Float64Array(rows * dout);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < dout; o++) {
      let acc = b ? b[o] : 0;
      for (let i = 0; i < din; i++) acc += x[r * din + i] * (conv1d ? w[i * dout + o] : w[o * din + i]);
      y[r * dout + o] = acc;
    }
  }
  return y;
}

function relErr(got: Float64Array | Float32Array, want: Float64Array): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    err = Math.max(err, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return err / Math.max(scale, 1e-30);
}

type Conv2dLayer = Extract<FixtureLayer, { type: 'Conv2d' }>;

/** Source index of padded coordinate i (may lie outside [0, n)), or -1 for a zero. */
function padIndex(i: number, n: number, mode: Conv2dLayer['padding_mode']): number {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case 'zeros': return -1;
    case 'reflect': return i < 0 ? -i : 2 * (n - 1) - i;
    case 'replicate': return i < 0 ? 0 : n - 1;
    case 'circular': return ((i % n) + n) % n;
  }
}

/** [before, after] padding per spatial axis, torch's rule for 'same' (extra on the after side). */
function pads(l: Conv2dLayer, axis: 0 | 1): [number, number] {
  if (l.padding === 'valid') return [0, 0];
  if (l.padding === 'same') {
    const total = l.dilation[axis] * (l.kernel_size[axis] - 1);
    return [Math.floor(total / 2), total - Math.floor(total / 2)];
  }
  return [l.padding[axis], l.padding[axis]];
}

/** Direct float64 conv2d with every setting of the layer; x: [N, C, H, W], w: [O, C/g, kh, kw]. */
function conv2d(l: Conv2dLayer, x: Float64Array, xShape: number[], w: Float64Array, b: Float64Array | null): Float64Array {
  const [n, c, h, wd] = xShape;
  const [kh, kw] = l.kernel_size;
  const [o, cg] = [l.out_channels, c / l.groups];
  const [[pt, pb], [pl, pr]] = [pads(l, 0), pads(l, 1)];
  const ho = Math.floor((h + pt + pb - l.dilation[0] * (kh - 1) - 1) / l.stride[0]) + 1;
  const wo = Math.floor((wd + pl + pr - l.dilation[1] * (kw - 1) - 1) / l.stride[1]) + 1;
  const y = new Float64Array(n * o * ho * wo);
  for (let bi = 0; bi < n; bi++) for (let oc = 0; oc < o; oc++) for (let i = 0; i < ho; i++) for (let j = 0; j < wo; j++) {
    let acc = b ? b[oc] : 0;
    const g0 = Math.floor(oc / (o / l.groups)) * cg;
    for (let ci = 0; ci < cg; ci++) for (let u = 0; u < kh; u++) for (let v = 0; v < kw; v++) {
      const r = padIndex(i * l.stride[0] + u * l.dilation[0] - pt, h, l.padding_mode);
      const q = padIndex(j * l.stride[1] + v * l.dilation[1] - pl, wd, l.padding_mode);
      if (r >= 0 && q >= 0) acc += x[((bi * c + g0 + ci) * h + r) * wd + q] * w[((oc * cg + ci) * kh + u) * kw + v];
    }
    y[((bi * o + oc) * ho + i) * wo + j] = acc;
  }
  return y;
}

function dims(l: FixtureLayer): [number, number] | null {
  switch (l.type) {
    case 'Linear': return [l.in_features, l.out_features];
    case 'Conv1D': return [l.nx, l.nf];
    case 'Conv2d': return null;
  }
}

/** Recomputes `out` from the weights stored under `prefix` (base / merged). */
function checkAffine(c: FixtureCase, l: FixtureLayer, prefix: string, out: string, biasPrefix = prefix): void {
  const d = dims(l);
  const bias = c.tensors.has(`${biasPrefix}.${l.path}.bias`) ? f64(c, `${biasPrefix}.${l.path}.bias`) : null;
  const y = fixtureTensor(c, `${out}.${l.path}`);
  if (l.type === 'Conv2d') {
    const want = conv2d(l, f64(c, `x.${l.path}`), fixtureTensor(c, `x.${l.path}`).shape, f64(c, `${prefix}.${l.path}.weight`), bias);
    expect(want.length, `${c.name} ${out}.${l.path} size`).toBe(y.size);
    expect(relErr(y.dataSync() as Float32Array, want), `${c.name} ${out}.${l.path}`).toBeLessThan(TOL);
    return;
  }
  if (!d) return;
  const want = dense(f64(c, `x.${l.path}`), f64(c, `${prefix}.${l.path}.weight`), bias, d[0], d[1], l.type === 'Conv1D');
  expect(relErr(y.dataSync() as Float32Array, want), `${c.name} ${out}.${l.path}`).toBeLessThan(TOL);
}

const cases = listFixtureCases();
const perturbedBias = new Set(['linear_bias_all', 'linear_bias_boft_only']);

describe('golden fixtures', () => {
  it('are all present', () => {
    expect(cases.length).toBe(20);
  });

  for (const name of cases) {
    it(`${name}: loads, and its outputs match its own weights in float64`, () => {
      const before = tf.memory().numTensors;
      const c = loadFixtureCase(name);
      for (const l of c.spec.layers) {
        checkAffine(c, l, 'merged', 'y_merged');
        // Trained biases live in the base layer, so disabling the adapter keeps them (see notes).
        checkAffine(c, l, 'base', 'y_disabled', perturbedBias.has(name) ? 'merged' : 'base');
      }
      disposeFixtureCase(c);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('identity init: y equals y_disabled; perturbed cases: it does not', () => {
    const id = loadFixtureCase('linear_init_identity');
    const m2 = loadFixtureCase('linear_m2_blocksize');
    for (const l of id.spec.layers) expect(relErr(f64(id, `y.${l.path}`), f64(id, `y_disabled.${l.path}`))).toBeLessThan(1e-6);
    for (const l of m2.spec.layers) expect(relErr(f64(m2, `y.${l.path}`), f64(m2, `y_disabled.${l.path}`))).toBeGreaterThan(1e-2);
    disposeFixtureCase(id);
    disposeFixtureCase(m2);
  });

  it('adapter files: boft_R is (m, k, b, b) with k*b = d; the CPU-saved m=3 adapter holds m=1', () => {
    const c = loadFixtureCase('linear_peft_cpu_forced_m1');
    const dir = c.adapterDirs.default;
    const config = JSON.parse(readFileSync(join(dir, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
    const file = parseSafetensors(new Uint8Array(readFileSync(join(dir, 'adapter_model.safetensors'))), dir);
    expect(config.boft_n_butterfly_factor).toBe(3);
    expect(file.tensors.get('base_model.model.blocks.0.query.boft_R')?.shape).toEqual([1, 8, 4, 4]);
    expect(file.tensors.get('base_model.model.blocks.0.query.boft_s')?.shape).toEqual([16, 1]);
    disposeFixtureCase(c);
  });
});

describe('fixture loader refuses malformed fixtures', () => {
  function withCopy(edit: (dir: string) => void, message: RegExp): void {
    const root = mkdtempSync(join(tmpdir(), 'boft-fixture-'));
    try {
      cpSync(join(FIXTURE_ROOT, 'boft', 'linear_m1_blocksize'), join(root, 'boft', 'linear_m1_blocksize'), { recursive: true });
      edit(join(root, 'boft', 'linear_m1_blocksize'));
      expect(() => loadFixtureCase('linear_m1_blocksize', 'boft', root)).toThrow(message);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }
  const editSpec = (dir: string, f: (s: Record<string, unknown>) => void): void => {
    const file = join(dir, 'case.json');
    const spec = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    f(spec);
    writeFileSync(file, JSON.stringify(spec));
  };

  it('a wrong field type', () => withCopy((d) => editSpec(d, (s) => { (s.layers as Record<string, unknown>[])[0].in_features = '16'; }), /malformed[\s\S]*in_features/));
  it('an unknown layer type', () => withCopy((d) => editSpec(d, (s) => { (s.layers as Record<string, unknown>[])[0].type = 'Embedding'; }), /malformed/));
  it('an unknown active adapter', () => withCopy((d) => editSpec(d, (s) => { s.active = ['nope']; }), /active adapters \[nope\]/));
  it('a missing tensor', () => withCopy((d) => editSpec(d, (s) => { (s.layers as Record<string, unknown>[])[0].path = 'blocks.9.query'; }), /lacks base\.blocks\.9\.query\.weight/));
  it('a corrupt tensors file', () => withCopy((d) => writeFileSync(join(d, 'tensors.safetensors'), new Uint8Array(4)), /tensors\.safetensors.*shorter/));
});
