// Every golden fixture (PEFT 0.21, or the dense torch formula where PEFT is wrong/refuses):
// load PEFT's adapter dirs, then compare outputs (both rotation paths), disabled outputs,
// gradients of boft_R / boft_s / biases / modules_to_save copies / x, merged weights and
// merged outputs, the merge→unmerge round trip, and the saved files' structure.
// relErr = max|a−b| / max|b|. Bounds: OUT_TOL for outputs and weights, GRAD_TOL for gradients.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Layer, Module } from '../nn/module';
import { ModuleDict } from '../nn/layers/containers';
import { Linear, Conv1D } from '../nn/layers/linear';
import { Conv2d } from '../nn/layers/conv';
import { disposeFixtureCase, fixtureTensor, listFixtureCases, loadFixtureCase, type FixtureCase, type FixtureLayer } from '../testing/node/fixtures';
import { parseSafetensors } from '../io/safetensors';
import { parseAdapterFiles, serializeAdapter, ADAPTER_CONFIG_NAME, ADAPTER_WEIGHTS_NAME, type ParsedAdapter } from '../io/peft';
import { fromPretrainedParsed, loadAdapterParsed } from './load';
import { BOFTLayer } from './layer';
import { ModulesToSaveWrapper } from './modules-to-save';
import type { BOFTModel } from './model';
import { relErr, values } from './test-helpers';

const OUT_TOL = 1e-5;
const GRAD_TOL = 1e-5;
const worst = { out: 0, grad: 0 };

function makeLayer(l: FixtureLayer): Layer {
  switch (l.type) {
    case 'Linear':
      return new Linear(l.in_features, l.out_features, { bias: l.bias, seed: 1 });
    case 'Conv1D':
      return new Conv1D(l.nf, l.nx, { bias: l.bias, seed: 1 });
    case 'Conv2d':
      return new Conv2d(l.in_channels, l.out_channels, l.kernel_size, {
        stride: l.stride, padding: l.padding, dilation: l.dilation, groups: l.groups, paddingMode: l.padding_mode, bias: l.bias, seed: 1,
      });
  }
}

/** The fixture's tree: containers down to each layer, base weights loaded. */
function buildTree(c: FixtureCase): Module {
  const root = new ModuleDict<Module>();
  for (const l of c.spec.layers) {
    const parts = l.path.split('.');
    let cur = root;
    for (const p of parts.slice(0, -1)) {
      if (!cur.has(p)) cur.set(p, new ModuleDict<Module>());
      cur = cur.get(p) as ModuleDict<Module>;
    }
    const layer = makeLayer(l);
    layer.param('weight').assign(fixtureTensor(c, `base.${l.path}.weight`));
    if (l.bias) layer.param('bias').assign(fixtureTensor(c, `base.${l.path}.bias`));
    cur.set(parts[parts.length - 1], layer);
  }
  return root;
}

function readParsed(dir: string): ParsedAdapter {
  return parseAdapterFiles({ configText: readFileSync(join(dir, ADAPTER_CONFIG_NAME), 'utf8'), weights: new Uint8Array(readFileSync(join(dir, ADAPTER_WEIGHTS_NAME))) }, dir);
}

function loadCase(c: FixtureCase): BOFTModel {
  const root = buildTree(c);
  const [first, ...rest] = c.spec.adapters;
  const bm = fromPretrainedParsed(root, readParsed(c.adapterDirs[first.name]), { adapterName: first.name, isTrainable: true });
  for (const a of rest) loadAdapterParsed(bm, readParsed(c.adapterDirs[a.name]), a.name, { isTrainable: true });
  bm.setAdapter(c.spec.active);
  bm.eval();
  return bm;
}

function layerAt(bm: BOFTModel, path: string): Layer {
  return bm.model.getSubmodule(path) as Layer;
}

function expectClose(a: tf.Tensor, ref: tf.Tensor, tol: number, what: string, kind: 'out' | 'grad' = 'out'): void {
  expect(a.shape, what).toEqual(ref.shape);
  const e = relErr(values(a), values(ref));
  worst[kind] = Math.max(worst[kind], e);
  expect(e, `${what}: relErr ${e.toExponential(2)}`).toBeLessThan(tol);
}

function forwardAll(bm: BOFTModel, c: FixtureCase, prefix: string): void {
  for (const l of c.spec.layers) {
    tf.tidy(() => expectClose(layerAt(bm, l.path).forward(fixtureTensor(c, `x.${l.path}`)), fixtureTensor(c, `${prefix}.${l.path}`), OUT_TOL, `${c.name} ${prefix}.${l.path}`));
  }
}

/** The variable a fixture gradient key refers to. */
function variableFor(bm: BOFTModel, key: string): tf.Variable {
  const m = /^grad\.(.+)\.(boft_R|boft_s)\.([A-Za-z0-9_]+)$/.exec(key);
  if (m) {
    const layer = bm.model.getSubmodule(m[1]) as BOFTLayer;
    return m[2] === 'boft_R' ? layer.boftR.get(m[3]) : layer.boftS.get(m[3]);
  }
  const p = /^grad\.(.+)\.(weight|bias)$/.exec(key);
  if (!p) throw new Error(`unexpected fixture key ${key}`);
  const mod = bm.model.getSubmodule(p[1]);
  const owner = mod instanceof BOFTLayer ? mod.baseLayer : mod instanceof ModulesToSaveWrapper ? mod.current() : mod;
  return owner.param(p[2]);
}

function checkGradients(bm: BOFTModel, c: FixtureCase): void {
  const keys = [...c.tensors.keys()].filter((k) => k.startsWith('grad.') && !k.startsWith('grad.x.'));
  const vars = keys.map((k) => variableFor(bm, k));
  // Trainability must match PEFT's exactly: the fixture has a gradient for every trainable parameter.
  expect(new Set(bm.trainableVariables()), `${c.name}: trainable set`).toEqual(new Set(vars));
  const xs = c.spec.layers.map((l) => fixtureTensor(c, `x.${l.path}`));
  const loss = (...inputs: tf.Tensor[]): tf.Scalar =>
    tf.addN(c.spec.layers.map((l, i) => tf.sum(tf.mul(layerAt(bm, l.path).forward(inputs[i]), fixtureTensor(c, `dy.${l.path}`))))) as tf.Scalar;
  const { value, grads } = tf.variableGrads(() => loss(...xs), vars);
  value.dispose();
  keys.forEach((k, i) => expectClose(grads[vars[i].name], fixtureTensor(c, k), GRAD_TOL, `${c.name} ${k}`, 'grad'));
  tf.dispose(Object.values(grads));
  const gx = tf.grads(loss)(xs);
  c.spec.layers.forEach((l, i) => expectClose(gx[i], fixtureTensor(c, `grad.x.${l.path}`), GRAD_TOL, `${c.name} grad.x.${l.path}`, 'grad'));
  tf.dispose(gx);
}

function checkMerge(bm: BOFTModel, c: FixtureCase): void {
  const before = new Map(bm.model.namedParameters().map(([n, p]) => [n, values(p)]));
  bm.merge();
  forwardAll(bm, c, 'y_merged');
  bm.unmerge();
  for (const [n, p] of bm.model.namedParameters()) {
    expect(relErr(values(p), before.get(n) as Float64Array), `${c.name} unmerge ${n}`).toBeLessThan(OUT_TOL);
  }
}

async function checkSaved(bm: BOFTModel, c: FixtureCase): Promise<void> {
  for (const a of c.spec.adapters) {
    const files = await serializeAdapter(bm, a.name);
    const mine = parseSafetensors(files.weights, 'ours');
    const theirs = parseSafetensors(new Uint8Array(readFileSync(join(c.adapterDirs[a.name], ADAPTER_WEIGHTS_NAME))), 'peft');
    expect(mine.metadata).toEqual(theirs.metadata);
    expect([...mine.tensors.keys()].sort(), `${c.name} keys`).toEqual([...theirs.tensors.keys()].sort());
    for (const [k, e] of theirs.tensors) {
      const m = mine.tensors.get(k);
      expect([m?.dtype, m?.shape], `${c.name} ${k}`).toEqual([e.dtype, e.shape]);
      expect(Buffer.from(m?.data ?? []).equals(Buffer.from(e.data)), `${c.name} ${k} bytes`).toBe(true);
    }
    const ours = JSON.parse(files.configText) as Record<string, unknown>;
    const ref = JSON.parse(readFileSync(join(c.adapterDirs[a.name], ADAPTER_CONFIG_NAME), 'utf8')) as Record<string, unknown>;
    const norm = (j: Record<string, unknown>) => ({ ...j, target_modules: Array.isArray(j.target_modules) ? [...j.target_modules].sort() : j.target_modules });
    expect(norm(ours)).toEqual(norm(ref));
  }
}

function checkMergeAndUnload(bm: BOFTModel, c: FixtureCase): void {
  const plain = bm.mergeAndUnload();
  for (const l of c.spec.layers) {
    const layer = plain.getSubmodule(l.path);
    expect(layer instanceof BOFTLayer || layer instanceof ModulesToSaveWrapper).toBe(false);
    expectClose(layer.param('weight'), fixtureTensor(c, `merged.${l.path}.weight`), OUT_TOL, `${c.name} merged.${l.path}.weight`);
    if (l.bias) expectClose(layer.param('bias'), fixtureTensor(c, `merged.${l.path}.bias`), OUT_TOL, `${c.name} merged.${l.path}.bias`);
  }
}

describe('golden fixtures (PEFT 0.21)', () => {
  const cases = listFixtureCases();
  it('has the cases issue 2 asks for', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  for (const name of cases) {
    it(name, async () => {
      const start = tf.memory().numTensors;
      const c = loadFixtureCase(name);
      const bm = loadCase(c);
      const rotating = bm.boftLayers().map(([, l]) => l).filter((l) => l.kind !== 'Conv2d');
      for (const path of ['activation', 'weight'] as const) {
        for (const l of rotating) l.rotationPath = path;
        forwardAll(bm, c, 'y');
      }
      bm.withDisabledAdapters(() => forwardAll(bm, c, 'y_disabled'));
      checkGradients(bm, c);
      checkMerge(bm, c);
      await checkSaved(bm, c);
      if (name === 'linear_peft_cpu_forced_m1') expect(bm.warnings.join('\n')).toMatch(/layer 'blocks\.0\.query' .*boft_R has m=1 .*boft_n_butterfly_factor=3.*using the tensor's m=1/);
      checkMergeAndUnload(bm, c);
      bm.dispose();
      disposeFixtureCase(c);
      expect(tf.memory().numTensors, `${name}: tensors leaked`).toBe(start);
    });
  }

  afterAll(() => {
    // The measured worst errors, for the report (vitest prints console output of passing runs with --silent=false).
    console.info(`[fixtures ${process.env.BOFT_TEST_BACKEND}] worst relErr outputs/weights ${worst.out.toExponential(2)}, gradients ${worst.grad.toExponential(2)}`);
  });
});
