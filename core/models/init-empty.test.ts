// Building a model with init 'empty' for a checkpoint load: same tree as the seeded build, no
// random draws, and a strict load that assigns every parameter or fails naming the missing
// tensor (so an 'empty' zero never reaches a forward or a training step). The reference for
// the loaded values is the default seeded build loaded from the same files.
import * as tf from '@tensorflow/tfjs';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  loadCheckpointInto, loadPretrainedModel, readFileHeader, readModelConfig, readStoredTensor, writeSafetensorsStreaming,
} from '../node/checkpoint';
import { loadStateDict } from '../nn/state';
import type { Module } from '../nn/module';
import { createModel } from './registry';

const FIXTURES = join(__dirname, '..', 'testing', 'fixtures', 'models');
const ARCHS = ['vit', 'dinov2', 'bert', 'gpt2', 'llama', 'llama_bf16_sharded', 'mistral_fp16', 'qwen2'];
const tmp = mkdtempSync(join(tmpdir(), 'boft-init-empty-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const snapshot = (m: Module): [string, number[], number[]][] => m.namedParameters().map(([n, p]) => [n, p.shape.slice(), Array.from(p.dataSync())]);

describe.each(ARCHS)('%s built empty', (arch) => {
  const dir = join(FIXTURES, arch);

  it('has the seeded tree (names, shapes, tied Variables), all zeros', () => {
    const cfg = readModelConfig(dir);
    const seeded = createModel(cfg);
    const empty = createModel(cfg, { init: 'empty' });
    expect(snapshot(empty).map(([n, s]) => [n, s])).toEqual(snapshot(seeded).map(([n, s]) => [n, s]));
    const distinct = (m: Module): number => new Set(m.namedParameters().map(([, p]) => p)).size;
    expect(distinct(empty)).toBe(distinct(seeded));
    // Norm weights/scales are ones (cheap, transformers' own values); every random init is zero.
    const random = snapshot(empty).filter(([n]) => !/(norm|LayerNorm|ln_\d|ln_f|layer_scale|layernorm)/.test(n));
    for (const [, , v] of random) expect(v.every((x) => x === 0)).toBe(true);
    seeded.dispose();
    empty.dispose();
  });

  it('loads to exactly the values the seeded build loads, leaking nothing', () => {
    const before = tf.memory().numTensors;
    const cfg = readModelConfig(dir);
    const seeded = createModel(cfg);
    const empty = createModel(cfg, { init: 'empty' });
    loadCheckpointInto(seeded, dir);
    loadCheckpointInto(empty, dir);
    expect(snapshot(empty)).toEqual(snapshot(seeded));
    seeded.dispose();
    empty.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('a checkpoint missing a tensor', () => {
  const dropped = 'transformer.h.0.attn.c_proj.bias';

  /** A copy of the GPT-2 fixture whose model.safetensors lacks `dropped`. */
  function withoutTensor(): string {
    const dir = join(tmp, 'gpt2-missing');
    cpSync(join(FIXTURES, 'gpt2'), dir, { recursive: true });
    const file = join(dir, 'model.safetensors');
    const kept = readFileHeader(file).filter((st) => st.info.name !== dropped).map((st) => {
      const e = readStoredTensor(st);
      return { name: st.info.name, dtype: e.dtype, shape: e.shape, bytes: () => e.data };
    });
    writeSafetensorsStreaming(file, kept);
    return dir;
  }

  it('fails loadPretrainedModel naming the tensor and leaves no tensor behind', () => {
    const dir = withoutTensor();
    const before = tf.memory().numTensors;
    expect(() => loadPretrainedModel(dir)).toThrow(new RegExp(`no tensor for ${dropped.replace(/\./g, '\\.')}`));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('fails loadCheckpointInto on an empty-built model before assigning anything', () => {
    const dir = withoutTensor();
    const model = createModel(readModelConfig(dir), { init: 'empty' });
    const before = snapshot(model);
    expect(() => loadCheckpointInto(model, dir)).toThrow(/no tensor for transformer\.h\.0\.attn\.c_proj\.bias/);
    expect(snapshot(model)).toEqual(before);
    model.dispose();
  });

  it('fails a strict loadStateDict into an empty-built model, naming the tensor', () => {
    const model = createModel(readModelConfig(join(FIXTURES, 'gpt2')), { init: 'empty' });
    const tensors = new Map(model.namedParameters().filter(([n]) => n !== dropped).map(([n, p]) => [n, tf.onesLike(p)]));
    expect(() => loadStateDict(model, tensors)).toThrow(`nothing was loaded; missing: ${dropped}`);
    expect(model.namedParameters().every(([n, p]) => /ln_/.test(n) || Array.from(p.dataSync()).every((x) => x === 0))).toBe(true);
    for (const t of tensors.values()) t.dispose();
    model.dispose();
  });
});

describe('createModel init option', () => {
  it('refuses an unknown mode naming the model and the valid modes', () => {
    const cfg = readModelConfig(join(FIXTURES, 'gpt2'));
    expect(() => createModel(cfg, { init: 'random' as unknown as 'empty' })).toThrow('GPT2LMHeadModel: init="random" is not an init mode (valid: seeded, empty)');
  });
});
