// PEFT adapter file format: key normalization, save → load round trips (our own adapters,
// several geometries), name-mapping hooks, canonical rewriting, and load errors.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { ModuleDict } from '../nn/layers/containers';
import { Linear } from '../nn/layers/linear';
import { Conv2d } from '../nn/layers/conv';
import type { Layer, Module } from '../nn/module';
import { FIXTURE_ROOT } from '../testing/node/fixtures';
import { BOFTConfig } from '../boft/config';
import { getPeftModel } from '../boft/model';
import { fromPretrainedParsed, loadAdapterParsed } from '../boft/load';
import { relErr, values } from '../boft/test-helpers';
import { parseSafetensors, serializeSafetensors, type TensorToWrite } from './safetensors';
import { canonicalizeAdapter, classifyKey, parseAdapterFiles, serializeAdapter, type AdapterFiles } from './peft';

function tree(seed: number): ModuleDict<Module> {
  return new ModuleDict<Module>({
    enc: new ModuleDict<Module>({ q_proj: new Linear(16, 8, { seed }), fc: new Linear(16, 16, { seed: seed + 1, bias: false }) }),
    conv: new Conv2d(2, 4, [2, 2], { seed: seed + 2 }),
  });
}

function fixtureFiles(name: string): AdapterFiles {
  const dir = join(FIXTURE_ROOT, 'boft', name, 'adapter_default');
  return { configText: readFileSync(join(dir, 'adapter_config.json'), 'utf8'), weights: new Uint8Array(readFileSync(join(dir, 'adapter_model.safetensors'))) };
}

function rewrite(files: AdapterFiles, rename: (k: string) => string, config: (j: Record<string, unknown>) => Record<string, unknown> = (j) => j): AdapterFiles {
  const f = parseSafetensors(files.weights, 'src');
  const list: TensorToWrite[] = [...f.tensors.values()].map((e) => ({ name: rename(e.name), dtype: e.dtype, shape: e.shape, data: e.data }));
  return { configText: JSON.stringify(config(JSON.parse(files.configText) as Record<string, unknown>)), weights: serializeSafetensors(list, f.metadata) };
}

describe('adapter keys', () => {
  it('accepts the prefix or not, an adapter-name suffix or not, and maps module paths', () => {
    const up = (p: string) => p.replace('attention.query', 'q_proj');
    expect(classifyKey('base_model.model.a.attention.query.boft_R', up)).toEqual({ kind: 'boft', param: 'boft_R', path: 'a.q_proj', key: 'base_model.model.a.attention.query.boft_R' });
    expect(classifyKey('a.b.boft_s.default')).toMatchObject({ kind: 'boft', param: 'boft_s', path: 'a.b' });
    expect(classifyKey('base_model.model.x.base_layer.bias')).toMatchObject({ kind: 'other', name: 'x.base_layer.bias' });
  });
});

describe('save → load', () => {
  it('round-trips two adapters of different geometry (Linear + Conv2d), outputs equal within 1e-5', async () => {
    const src = tree(1);
    const cfgA = new BOFTConfig({ target_modules: ['q_proj', 'fc', 'conv'], boft_block_size: 4, boft_n_butterfly_factor: 2, init_weights: false });
    const cfgB = new BOFTConfig({ target_modules: ['fc'], boft_block_size: 0, boft_block_num: 2, init_weights: false, bias: 'boft_only' });
    const bm = getPeftModel(src, cfgA, 'a', { seed: 4 });
    bm.addAdapter('b', cfgB);
    const filesA = await serializeAdapter(bm, 'a');
    const filesB = await serializeAdapter(bm, 'b');
    const keys = [...parseSafetensors(filesA.weights, 'a').tensors.values()].map((e) => `${e.name} ${e.dtype} [${e.shape}]`).sort();
    expect(keys).toEqual([
      'base_model.model.conv.boft_R F32 [2,2,4,4]', 'base_model.model.conv.boft_s F32 [1,4]',
      'base_model.model.enc.fc.boft_R F32 [2,4,4,4]', 'base_model.model.enc.fc.boft_s F32 [16,1]',
      'base_model.model.enc.q_proj.boft_R F32 [2,4,4,4]', 'base_model.model.enc.q_proj.boft_s F32 [8,1]',
    ]);
    // PEFT's boft_only saves the base bias of every adapted layer (any adapter), here conv and q_proj.
    expect([...parseSafetensors(filesB.weights, 'b').tensors.keys()].sort()).toEqual([
      'base_model.model.conv.base_layer.bias', 'base_model.model.enc.fc.boft_R', 'base_model.model.enc.fc.boft_s', 'base_model.model.enc.q_proj.base_layer.bias',
    ]);
    const dst = tree(1);
    const loaded = fromPretrainedParsed(dst, parseAdapterFiles(filesA, 'A'), { adapterName: 'a' });
    loadAdapterParsed(loaded, parseAdapterFiles(filesB, 'B'), 'b');
    for (const m of [bm, loaded]) {
      m.setAdapter(['a', 'b']);
      m.eval();
    }
    const x = tf.randomNormal([3, 16], 0, 1, 'float32', 2);
    const xc = tf.randomNormal([1, 2, 5, 5], 0, 1, 'float32', 3);
    for (const [path, input] of [['enc.q_proj', x], ['enc.fc', x], ['conv', xc]] as const) {
      const a = values((src.getSubmodule(path) as Layer).forward(input));
      const b = values((dst.getSubmodule(path) as Layer).forward(input));
      expect(relErr(b, a), path).toBeLessThan(1e-5);
    }
    expect(loaded.trainableVariables()).toEqual([]); // is_trainable=false → inference_mode
    tf.dispose([x, xc]);
    bm.dispose();
    loaded.dispose();
  });

  it('name-mapping hook: saved under legacy names, loaded back onto in-memory names', async () => {
    const toFile = (p: string) => p.replace(/q_proj$/, 'attention.query');
    const toModel = (p: string) => p.replace(/attention\.query$/, 'q_proj');
    const src = tree(2);
    const bm = getPeftModel(src, new BOFTConfig({ target_modules: ['q_proj'], init_weights: false }));
    const files = await serializeAdapter(bm, 'default', toFile);
    expect([...parseSafetensors(files.weights, 'f').tensors.keys()]).toEqual(['base_model.model.enc.attention.query.boft_R', 'base_model.model.enc.attention.query.boft_s']);
    const back = fromPretrainedParsed(tree(2), parseAdapterFiles(files, 'f'), { nameMap: toModel });
    expect(relErr(values((back.model.getSubmodule('enc.q_proj') as unknown as { boftR: { get(n: string): tf.Tensor } }).boftR.get('default')), values(bm.boftLayers()[0][1].boftR.get('default')))).toBe(0);
    bm.dispose();
    back.dispose();
  });
});

describe('canonical form and load errors', () => {
  it('canonicalizeAdapter restores PEFT keys and config byte for byte', () => {
    const orig = fixtureFiles('linear_m2_blocksize');
    const odd = rewrite(orig, (k) => `${k.replace('base_model.model.', '')}.default`, (j) => ({ ...j, lora_alpha: 8 }));
    const parsed = parseAdapterFiles(odd, 'odd');
    expect(parsed.warnings).toEqual(["odd/adapter_config.json: ignoring unknown key 'lora_alpha' (=8)"]);
    const canon = canonicalizeAdapter(parsed);
    expect(Buffer.from(canon.weights).equals(Buffer.from(orig.weights))).toBe(true);
    expect(JSON.parse(canon.configText)).toEqual(JSON.parse(orig.configText));
  });

  it('errors name the file, the key and the layer', () => {
    const orig = fixtureFiles('linear_m2_blocksize');
    const tree16 = () => new ModuleDict<Module>({ blocks: new ModuleDict<Module>({ 0: new ModuleDict<Module>({ query: new Linear(16, 12), value: new Linear(16, 8) }) }) });
    const extra = rewrite(orig, (k) => k.replace('blocks.0.value.boft_s', 'blocks.0.value.lora_A'));
    expect(() => fromPretrainedParsed(tree16(), parseAdapterFiles(extra, 'x'))).toThrow(/x: layer 'blocks\.0\.value' has boft_R but no boft_s/);
    const wrongB = rewrite(orig, (k) => k, (j) => ({ ...j, boft_block_size: 8 }));
    expect(() => fromPretrainedParsed(tree16(), parseAdapterFiles(wrongB, 'y'))).toThrow(/y: layer 'blocks\.0\.query' \(Linear, in_features=16\): boft_R shape \[2, 4, 4, 4\] has block size 4 but the config \(boft_block_size=8, boft_block_num=0\) gives 8/);
    const stray = rewrite(orig, (k) => k, (j) => ({ ...j, target_modules: ['query'] }));
    const bm = fromPretrainedParsed(tree16(), parseAdapterFiles(stray, 'z'));
    expect(bm.warnings).toEqual(["z: the file has tensors for [blocks.0.value], which the config's target_modules do not select; loaded as in the file"]);
    bm.dispose();
    const renamed = rewrite(orig, (k) => k.replace('blocks.0.', 'blocks.1.'));
    expect(() => fromPretrainedParsed(tree16(), parseAdapterFiles(renamed, 'w'))).toThrow(/w: adapter tensors for 'blocks\.1\.query', which is not a module of this model/);
  });
});
