// Checkpoint folders: single file and shards, half-precision widening, and errors that name
// the file, the tensor and expected vs found — with the model left untouched on failure.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createModel, SUPPORTED_ARCHITECTURES } from '../models/registry';
import {
  encodeFloats, floatToBf16, floatToHalf, indexCheckpoint, loadCheckpointInto, loadPretrainedModel,
  readFileHeader, readModelConfig, readStoredTensor, writeSafetensorsStreaming,
} from './checkpoint';
import { halfToFloat, toFloat32 } from '../io/safetensors';

const FIXTURES = join(__dirname, '..', 'testing', 'fixtures', 'models');
const tmp = mkdtempSync(join(tmpdir(), 'boft-ckpt-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function copyFixture(name: string): string {
  const dir = join(tmp, `${name}-${Math.random().toString(36).slice(2)}`);
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  return dir;
}

describe('checkpoint folders', () => {
  it('indexes shards through model.safetensors.index.json', () => {
    const idx = indexCheckpoint(join(FIXTURES, 'llama_bf16_sharded'));
    const files = new Set([...idx.values()].map((s) => s.file));
    expect(files.size).toBe(4);
    expect([...idx.values()].every((s) => s.info.dtype === 'BF16')).toBe(true);
    expect(idx.has('lm_head.weight')).toBe(true);
  });

  it('reports the largest transient allocation: one tensor, not the model', () => {
    const { model, report } = loadPretrainedModel(join(FIXTURES, 'llama_bf16_sharded'));
    const biggest = Math.max(...[...report.stored.values()].map((s) => s.info.end - s.info.begin));
    expect(report.peakExtraBytes).toBe(biggest * 3); // bf16 bytes + their fp32 copy
    model.dispose();
  });

  it('views fp32 tensors in place: one extra copy of the largest tensor, values equal to the widening path', () => {
    const dir = join(FIXTURES, 'gpt2');
    const { model, report } = loadPretrainedModel(dir);
    const stored = [...report.stored.values()];
    expect(stored.every((s) => s.info.dtype === 'F32')).toBe(true);
    expect(report.peakExtraBytes).toBe(Math.max(...stored.map((s) => s.info.end - s.info.begin)));
    const params = new Map(model.namedParameters());
    for (const st of stored) {
      const p = params.get(st.info.name);
      expect(p, st.info.name).toBeDefined();
      expect(Array.from(p?.dataSync() ?? []), st.info.name).toEqual(Array.from(toFloat32(readStoredTensor(st))));
    }
    model.dispose();
  });

  it('refuses a shape mismatch naming file, tensor, expected and found, and loads nothing', () => {
    const dir = copyFixture('gpt2');
    const cfg = readModelConfig(dir);
    cfg.n_inner = 24;
    writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg));
    const model = createModel(cfg);
    const before = model.namedParameters().map(([n, p]) => [n, Array.from(p.dataSync())] as const);
    expect(() => loadCheckpointInto(model, dir)).toThrow(
      /model\.safetensors: tensor 'transformer\.h\.0\.mlp\.c_fc\.weight': expected shape \[16, 24\], found \[16, 32\]/,
    );
    const after = model.namedParameters().map(([n, p]) => [n, Array.from(p.dataSync())] as const);
    expect(after).toEqual(before);
    model.dispose();
  });

  it('names missing and unexpected tensors', () => {
    const dir = copyFixture('vit');
    const cfg = readModelConfig(dir);
    cfg.num_hidden_layers = 3;
    const model = createModel(cfg);
    expect(() => loadCheckpointInto(model, dir)).toThrow(/no tensor for vit\.encoder\.layer\.2\.attention\.attention\.query\.weight/);
    model.dispose();
    cfg.num_hidden_layers = 1;
    const small = createModel(cfg);
    expect(() => loadCheckpointInto(small, dir)).toThrow(/tensor 'vit\.encoder\.layer\.1\.[a-z_.]+' has no parameter in the ViTForImageClassification model/);
    small.dispose();
  });

  it('refuses unknown architectures with the supported list', () => {
    const list = SUPPORTED_ARCHITECTURES.join(', ');
    expect(list).toContain('ViTForImageClassification, Dinov2ForImageClassification, BertForSequenceClassification, GPT2LMHeadModel, LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM');
    expect(() => createModel({ architectures: ['T5ForConditionalGeneration'] })).toThrow(`unsupported architecture 'T5ForConditionalGeneration' (supported: ${list})`);
  });

  it('names the folder when no weights are there', () => {
    expect(() => indexCheckpoint(tmp)).toThrow(/neither model\.safetensors nor model\.safetensors\.index\.json found/);
  });
});

describe('half-precision encoders', () => {
  it('round-trip every fp16 and bf16 bit pattern exactly (NaN stays NaN)', () => {
    const bad: string[] = [];
    const asF32 = (bits: number) => new Float32Array(new Uint32Array([bits]).buffer)[0];
    for (let h = 0; h < 0x10000; h++) {
      const f = halfToFloat(h);
      const backH = floatToHalf(f);
      if (Number.isNaN(f) ? !Number.isNaN(halfToFloat(backH)) : backH !== h) bad.push(`f16 ${h.toString(16)} -> ${backH.toString(16)}`);
      const b = asF32(h << 16);
      const backB = floatToBf16(b);
      if (Number.isNaN(b) ? !Number.isNaN(asF32(backB << 16)) : backB !== h) bad.push(`bf16 ${h.toString(16)} -> ${backB.toString(16)}`);
    }
    expect(bad.slice(0, 5)).toEqual([]);
  });

  it('round to nearest even like torch', () => {
    // 1 + 2^-11 is halfway between two fp16 values: ties to the even one (1.0).
    expect(floatToHalf(1 + 2 ** -11)).toBe(0x3c00);
    expect(floatToHalf(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(floatToBf16(1 + 2 ** -8)).toBe(0x3f80);
    expect(floatToBf16(1 + 3 * 2 ** -8)).toBe(0x3f82);
  });

  it('streams a file that reads back identically', () => {
    const path = join(tmp, 'stream.safetensors');
    const vals = new Float32Array([1, -2.5, 3.25, 65504]);
    writeSafetensorsStreaming(path, [
      { name: 'a', dtype: 'F16', shape: [2, 2], bytes: () => encodeFloats(vals, 'F16') },
      { name: 'b', dtype: 'F32', shape: [4], bytes: () => encodeFloats(vals, 'F32') },
    ]);
    const [a, b] = readFileHeader(path).map(readStoredTensor);
    expect(Array.from(toFloat32(a))).toEqual(Array.from(vals));
    expect(Array.from(toFloat32(b))).toEqual(Array.from(vals));
    expect(readFileSync(path).length % 8).toBe(0);
  });
});
