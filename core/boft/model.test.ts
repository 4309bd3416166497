// BOFTModel operations: atomic failed load, safe merge refusing NaN, trainability, adapter
// management, and tensor hygiene over 100 training steps.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { ModuleDict } from '../nn/layers/containers';
import { Linear } from '../nn/layers/linear';
import type { Layer, Module } from '../nn/module';
import { FIXTURE_ROOT } from '../testing/node/fixtures';
import { parseSafetensors, serializeSafetensors, type TensorToWrite } from '../io/safetensors';
import { parseAdapterFiles, type AdapterFiles } from '../io/peft';
import { BOFTConfig } from './config';
import { fromPretrainedParsed, loadAdapterParsed } from './load';
import { getPeftModel } from './model';
import { BOFTLayer } from './layer';
import { relErr, values } from './test-helpers';

function twoBlockTree(seed = 1): ModuleDict<Module> {
  // Same layout as the fixture case linear_m2_blocksize: blocks.0.{query 16→12, value 16→8}.
  const block = new ModuleDict<Module>({ query: new Linear(16, 12, { seed }), value: new Linear(16, 8, { seed: seed + 1 }) });
  return new ModuleDict<Module>({ blocks: new ModuleDict<Module>({ 0: block }) });
}

function snapshot(root: Module): Map<string, Float64Array> {
  return new Map(root.namedParameters().map(([n, p]) => [n, values(p)]));
}

function expectSame(a: Map<string, Float64Array>, b: Map<string, Float64Array>): void {
  expect([...a.keys()]).toEqual([...b.keys()]);
  for (const [k, v] of a) expect(Buffer.from(v.buffer).equals(Buffer.from((b.get(k) as Float64Array).buffer)), k).toBe(true);
}

function fixtureFiles(): AdapterFiles {
  const dir = join(FIXTURE_ROOT, 'boft', 'linear_m2_blocksize', 'adapter_default');
  return { configText: readFileSync(join(dir, 'adapter_config.json'), 'utf8'), weights: new Uint8Array(readFileSync(join(dir, 'adapter_model.safetensors'))) };
}

/** The same files with the last tensor (in file order) given a wrong shape. */
function corruptLast(files: AdapterFiles): AdapterFiles {
  const f = parseSafetensors(files.weights, 'fixture');
  const list: TensorToWrite[] = [...f.tensors.values()].map((e) => ({ name: e.name, dtype: e.dtype, shape: e.shape, data: e.data }));
  const last = list[list.length - 1];
  expect(last.name).toMatch(/value\.boft_s$/);
  last.shape = [last.shape[0] / 2, 2];
  return { configText: files.configText, weights: serializeSafetensors(list, f.metadata) };
}

describe('BOFTModel', () => {
  it('a failed load (wrong shape in the last tensor) leaves weights, modules and adapters unchanged', () => {
    const bad = parseAdapterFiles(corruptLast(fixtureFiles()), 'bad');
    const root = twoBlockTree();
    const before = snapshot(root);
    expect(() => fromPretrainedParsed(root, bad)).toThrow(/bad: layer 'blocks\.0\.value' \(Linear, out=8\): boft_s has shape \[4, 2\], expected \[8, 1\]/);
    expectSame(snapshot(root), before);
    expect([...root.namedModules()].some(([, m]) => m instanceof BOFTLayer)).toBe(false);

    const bm = fromPretrainedParsed(root, parseAdapterFiles(fixtureFiles(), 'good'));
    const loaded = snapshot(root);
    expect(() => loadAdapterParsed(bm, bad, 'other')).toThrow(/boft_s has shape \[4, 2\]/);
    expectSame(snapshot(root), loaded);
    expect(bm.listAdapters().map((a) => a.name)).toEqual(['default']);
    bm.dispose();
  });

  it('safe merge refuses non-finite results, naming the layer, and changes nothing', () => {
    const root = twoBlockTree();
    const bm = getPeftModel(root, new BOFTConfig({ target_modules: ['query', 'value'], init_weights: false }), 'default', { seed: 3 });
    const layer = root.getSubmodule('blocks.0.value') as BOFTLayer;
    const s = layer.boftS.get('default');
    s.assign(tf.tensor2d(Float32Array.from(values(s).map((v, i) => (i === 5 ? NaN : v))), [8, 1]));
    const before = snapshot(root);
    expect(() => bm.merge(undefined, true)).toThrow(/safe merge: merging adapters \[default\] into layer 'blocks\.0\.value' \(Linear, d=16, out=8\) gives non-finite weights/);
    expectSame(snapshot(root), before);
    expect(bm.boftLayers().every(([, l]) => l.mergedAdapters.length === 0)).toBe(true);
    bm.dispose();
  });

  it('trainability, setAdapter order = merge order, delete, disable, summary', () => {
    const root = twoBlockTree();
    const bm = getPeftModel(root, new BOFTConfig({ target_modules: ['query'], bias: 'boft_only', init_weights: false }), 'a', { seed: 1 });
    bm.addAdapter('b', new BOFTConfig({ target_modules: ['query'], boft_block_size: 8, boft_n_butterfly_factor: 2, init_weights: false }));
    const names = (): string[] => bm.model.namedParameters().filter(([, p]) => p.trainable).map(([n]) => n);
    expect(names()).toEqual(['blocks.0.query.base_layer.bias', 'blocks.0.query.boft_R.a', 'blocks.0.query.boft_s.a']);
    bm.setAdapter(['b', 'a']);
    expect(names()).toEqual(['blocks.0.query.base_layer.bias', 'blocks.0.query.boft_R.a', 'blocks.0.query.boft_R.b', 'blocks.0.query.boft_s.a', 'blocks.0.query.boft_s.b']);
    bm.eval();
    const q = root.getSubmodule('blocks.0.query') as Layer;
    const x = tf.randomNormal([5, 16], 0, 1, 'float32', 7);
    const y = values(q.forward(x));
    bm.merge();
    expect(relErr(values(q.forward(x)), y)).toBeLessThan(1e-5);
    expect(bm.listAdapters().map((a) => [a.name, a.active, a.mergedLayers])).toEqual([['a', true, 1], ['b', true, 1]]);
    expect(() => bm.deleteAdapter('a')).toThrow(/'a' is merged into 1 layer\(s\), e\.g\. 'blocks\.0\.query'; unmerge\(\) first/);
    expect(() => bm.disableAdapterLayers()).toThrow(/unmerge\(\) first/);
    bm.unmerge();
    const yBase = values((root.getSubmodule('blocks.0.query') as BOFTLayer).baseLayer.forward(x));
    expect(relErr(bm.withDisabledAdapters(() => values(q.forward(x))), yBase)).toBe(0);
    bm.deleteAdapter('b');
    expect(bm.activeAdapters).toEqual(['a']);
    const sum = bm.trainableParameters();
    expect(sum.trainable).toBe(12 + 4 * 4 * 4 + 12);
    expect(sum.text).toBe(`trainable params: 88 || all params: ${sum.total.toLocaleString('en-US')} || trainable%: ${((100 * 88) / sum.total).toFixed(4)}`);
    x.dispose();
    bm.dispose();
  });

  it('mergeAndUnload reports progress and returns the plain tree; unload keeps base weights', () => {
    const root = twoBlockTree(3);
    const bm = getPeftModel(root, new BOFTConfig({ target_modules: ['query', 'value'], init_weights: false }));
    bm.eval();
    const x = tf.randomNormal([4, 16], 0, 1, 'float32', 5);
    const y = values((root.getSubmodule('blocks.0.value') as Layer).forward(x));
    const seen: string[] = [];
    const plain = bm.mergeAndUnload({ onProgress: (done, total, path) => seen.push(`${done}/${total} ${path}`) });
    expect(seen).toEqual(['1/2 blocks.0.query', '2/2 blocks.0.value']);
    const v = plain.getSubmodule('blocks.0.value');
    expect(v).toBeInstanceOf(Linear);
    expect(relErr(values((v as Layer).forward(x)), y)).toBeLessThan(1e-5);
    expect(plain.namedParameters().map(([n]) => n)).toEqual(['blocks.0.query.weight', 'blocks.0.query.bias', 'blocks.0.value.weight', 'blocks.0.value.bias']);
    const root2 = twoBlockTree(3);
    const w0 = snapshot(root2);
    const bm2 = getPeftModel(root2, new BOFTConfig({ target_modules: ['query'], init_weights: false }));
    expectSame(snapshot(bm2.unload()), w0);
    x.dispose();
    plain.dispose();
    root2.dispose();
  });

  it('tf.memory().numTensors is stable over 100 Adam steps (m=2, dropout on, training mode)', () => {
    const root = twoBlockTree(5);
    const bm = getPeftModel(root, new BOFTConfig({ target_modules: ['query', 'value'], boft_n_butterfly_factor: 2, boft_dropout: 0.25, init_weights: false }), 'default', { seed: 9 });
    bm.train();
    const q = root.getSubmodule('blocks.0.query') as Layer;
    const x = tf.randomNormal([6, 16], 0, 1, 'float32', 1);
    const target = tf.randomNormal([6, 12], 0, 1, 'float32', 2);
    const opt = tf.train.adam(0.01);
    const vars = bm.trainableVariables();
    const step = (): number => {
      const loss = opt.minimize(() => tf.mean(tf.square(tf.sub(q.forward(x), target))) as tf.Scalar, true, vars) as tf.Scalar;
      const v = loss.dataSync()[0];
      loss.dispose();
      return v;
    };
    const first = step();
    const after1 = tf.memory().numTensors;
    let last = first;
    for (let i = 1; i < 100; i++) last = step();
    expect(tf.memory().numTensors).toBe(after1);
    expect(last).toBeLessThan(first);
    opt.dispose();
    tf.dispose([x, target]);
    bm.dispose();
  });
});
