// `boft run`, `boft merge` and `boft inspect` end to end through the CLI dispatcher, against
// the transformers/PEFT fixtures of core/tools/make-model-fixtures.py (tolerance 1e-5,
// max-norm relative).
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { maxRelError } from '../../models/fixture-helpers';
import { main } from '../cli';
import { floatToBf16, indexCheckpoint, loadPretrainedModel, readFileHeader, readInputTensors } from '../checkpoint';
import type { CliIO } from './types';

const FIXTURES = join(__dirname, '..', '..', 'testing', 'fixtures', 'models');
const tmp = mkdtempSync(join(tmpdir(), 'boft-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function capture(): CliIO & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l) };
}

async function cli(args: string[]): Promise<CliIO & { lines: string[]; errors: string[] }> {
  const io = capture();
  const code = await main(args, io);
  if (code !== 0) throw new Error(`boft ${args.join(' ')} exited ${code}: ${io.errors.join('\n')}`);
  return io;
}

function compare(outFile: string, wantFile: string, wantName: string): number {
  const got = readInputTensors(outFile);
  const want = readInputTensors(wantFile);
  const err = maxRelError(got.get('logits') as tf.Tensor, want.get(wantName) as tf.Tensor);
  tf.dispose([...got.values(), ...want.values()]);
  return err;
}

describe('boft run', () => {
  it.each(['vit', 'bert', 'gpt2', 'llama_bf16_sharded'])('%s: logits equal the fixture', async (arch) => {
    const out = join(tmp, `${arch}-run.safetensors`);
    await cli(['run', '--model', join(FIXTURES, arch), '--input', join(FIXTURES, arch, 'io-inputs.safetensors'), '--output', out, '--backend', 'cpu']);
    expect(compare(out, join(FIXTURES, arch, 'io.safetensors'), 'logits')).toBeLessThan(1e-5);
    expect(readFileHeader(out).map((s) => s.info.name).sort()).toEqual(['logits', 'loss']);
  });

  it.each([
    ['dinov2', 'm2_block_num_boft_only', false],
    ['gpt2', 'm2_conv1d_fan_in_fan_out', true],
    ['vit', 'm3_mlp_modules_to_save', true],
  ] as const)('%s + adapter %s (merge=%s): PEFT logits', async (arch, adapter, merge) => {
    const out = join(tmp, `${arch}-${adapter}.safetensors`);
    const dir = join(FIXTURES, arch, 'adapters', adapter);
    await cli(['run', '--model', join(FIXTURES, arch), '--adapter', dir, ...(merge ? ['--merge'] : []),
      '--input', join(FIXTURES, arch, 'io-inputs.safetensors'), '--output', out, '--backend', 'cpu']);
    expect(compare(out, join(dir, 'expected.safetensors'), merge ? 'logits_merged' : 'logits_unmerged')).toBeLessThan(1e-5);
  });

  it('refuses an input that is not a forward argument, naming the valid ones', async () => {
    const io = capture();
    const code = await main(['run', '--model', join(FIXTURES, 'vit'), '--input', join(FIXTURES, 'vit', 'adapters', 'm1_block_size', 'expected.safetensors'), '--output', join(tmp, 'x.safetensors'), '--backend', 'cpu'], io);
    expect(code).toBe(1);
    expect(io.errors.join('\n')).toMatch(/tensor '[a-z_.A-Z0-9]+' is not a forward argument \(valid: pixel_values, input_ids, attention_mask, token_type_ids, labels\)/);
  });
});

describe('boft merge', () => {
  it.each([
    ['qwen2', 'm1_qkv_boft_only'],
    ['vit', 'm1_block_size'],
    ['gpt2', 'm2_conv1d_fan_in_fan_out'],
  ])('%s + %s: tensors equal PEFT merge_and_unload, names/shapes/dtypes of the base', async (arch, adapter) => {
    const out = join(tmp, `${arch}-merged`);
    const dir = join(FIXTURES, arch, 'adapters', adapter);
    await cli(['merge', join(FIXTURES, arch), dir, out, '--safe-merge', '--backend', 'cpu']);
    const base = indexCheckpoint(join(FIXTURES, arch));
    const written = indexCheckpoint(out);
    expect([...written.keys()].sort()).toEqual([...base.keys()].sort());
    for (const [name, st] of written) {
      expect(st.info.dtype, name).toBe(base.get(name)?.info.dtype);
      expect(st.info.shape, name).toEqual(base.get(name)?.info.shape);
    }
    const got = readInputTensors(join(out, 'model.safetensors'));
    const want = readInputTensors(join(dir, 'merged.safetensors'));
    for (const [name, w] of want) expect(maxRelError(got.get(name) as tf.Tensor, w), name).toBeLessThan(1e-5);
    tf.dispose([...got.values(), ...want.values()]);
    expect(readFileSync(join(out, 'config.json'), 'utf8')).toBe(readFileSync(join(FIXTURES, arch, 'config.json'), 'utf8'));
    // The merged folder is a checkpoint of its own: it reproduces PEFT's merged logits.
    const { model } = loadPretrainedModel(out);
    const io = readInputTensors(join(FIXTURES, arch, 'io.safetensors'));
    const expected = readInputTensors(join(dir, 'expected.safetensors'));
    const logits = model.forward({ pixel_values: io.get('pixel_values'), input_ids: io.get('input_ids'), attention_mask: io.get('attention_mask') }).logits;
    expect(maxRelError(logits, expected.get('logits_merged') as tf.Tensor)).toBeLessThan(1e-5);
    tf.dispose([logits, ...io.values(), ...expected.values()]);
    model.dispose();
  });

  it('keeps bf16 shards as bf16: merged values rounded to nearest even', async () => {
    // The LLaMA adapter fits the bf16 checkpoint (same architecture and shapes).
    const out = join(tmp, 'bf16-merged');
    await cli(['merge', join(FIXTURES, 'llama_bf16_sharded'), join(FIXTURES, 'llama', 'adapters', 'm2_block_num_layers_to_transform'), out, '--backend', 'cpu']);
    const written = indexCheckpoint(out);
    expect([...written.values()].every((s) => s.info.dtype === 'BF16')).toBe(true);
    expect(written.size).toBe(indexCheckpoint(join(FIXTURES, 'llama_bf16_sharded')).size);
    const { model } = loadPretrainedModel(out);
    const w = model.getSubmodule('model.layers.1.self_attn.q_proj').param('weight').dataSync();
    for (const v of w) expect(new Float32Array(new Uint32Array([floatToBf16(v) << 16]).buffer)[0]).toBe(v);
    model.dispose();
  });
});

describe('boft inspect', () => {
  it('lists modules with selection reasons and BOFT parameter counts', async () => {
    const io = await cli(['inspect', join(FIXTURES, 'llama'), '--config', join(FIXTURES, 'llama', 'adapters', 'm2_block_num_layers_to_transform', 'adapter_config.json')]);
    const text = io.lines.join('\n');
    // q_proj of layer 1: d=16, k=4, b=4, m=2 → 2·4·4·4 + 16 = 144 BOFT parameters.
    expect(text).toMatch(/q_proj: Linear in=16 out=16 weight\[16,16\] \(256 params\) {2}<- SELECTED: d=16 k=4 b=4 m=2, 144 BOFT params/);
    expect(text).toMatch(/q_proj: .* <- not selected: matches target_modules but its layer is not in layers_to_transform=\[1\]/);
    expect(text).toMatch(/k_proj: .* <- not selected: no target_modules entry matches/);
    // The total equals the element count of PEFT's saved adapter (boft_R and boft_s of each layer).
    const saved = readFileHeader(join(FIXTURES, 'llama', 'adapters', 'm2_block_num_layers_to_transform', 'adapter_model.safetensors'))
      .reduce((n, s) => n + s.info.shape.reduce((a, b) => a * b, 1), 0);
    expect(text).toContain(`BOFT: 3 layers selected, ${saved.toLocaleString('en-US')} trainable BOFT parameters`);
  });

  it('names unsupported architectures', async () => {
    const io = capture();
    expect(await main(['inspect', join(FIXTURES, 'tokenizers', 'bpe')], io)).toBe(1);
    expect(io.errors.join('\n')).toMatch(/config\.json: file not found/);
  });
});
