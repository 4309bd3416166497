// pixel_values against transformers' PIL image processors (ViTImageProcessor, BitImageProcessor
// as DINOv2 uses it) on fixture images. Pillow's resampling is integer arithmetic, reproduced
// here to the integer, so the expected tolerance is float32 rounding of identical operations: 0.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSafetensors, toFloat32, type TensorEntry } from '../io/safetensors';
import { parsePreprocessorConfig, preprocessImage, resizeTarget } from './preprocess-image';

const ROOT = join(__dirname, '..', 'testing', 'fixtures', 'models', 'preprocess');

function entry(file: string, name: string): TensorEntry {
  const e = parseSafetensors(new Uint8Array(readFileSync(file)), file).tensors.get(name);
  if (!e) throw new Error(`${file}: no tensor ${name}`);
  return e;
}

describe.each(readdirSync(ROOT).sort())('preprocess %s', (name) => {
  it('equals transformers pixel_values exactly', () => {
    const dir = join(ROOT, name);
    const cfg = parsePreprocessorConfig(JSON.parse(readFileSync(join(dir, 'preprocessor_config.json'), 'utf8')) as Record<string, unknown>);
    const img = entry(join(dir, 'expected.safetensors'), 'image');
    const want = entry(join(dir, 'expected.safetensors'), 'pixel_values');
    const [height, width] = img.shape;
    const got = preprocessImage({ width, height, data: img.data.slice() }, cfg);
    expect(got.shape).toEqual(want.shape);
    const w = toFloat32(want);
    let maxErr = 0;
    for (let i = 0; i < w.length; i++) maxErr = Math.max(maxErr, Math.abs(got.data[i] - w[i]));
    expect(maxErr).toBe(0);
  });
});

describe('preprocessor config', () => {
  it('fills class defaults and refuses unsupported settings by name', () => {
    const p = parsePreprocessorConfig({ image_processor_type: 'ViTImageProcessor' });
    expect(p.resize).toEqual({ size: { kind: 'exact', height: 224, width: 224 }, resample: 'bilinear' });
    expect(() => parsePreprocessorConfig({ do_resize: true, resample: 0, size: { height: 2, width: 2 } })).toThrow(/'resample' must be 2 \(bilinear\) or 3 \(bicubic\), found 0/);
    expect(() => parsePreprocessorConfig({ do_resize: true, resample: 2, size: { shortest_edge: 2, longest_edge: 4 } })).toThrow(/'size'/);
  });

  it('resizes the shortest edge and truncates the long one, as transformers does', () => {
    expect(resizeTarget({ kind: 'shortest_edge', shortestEdge: 256 }, 480, 640)).toEqual([256, 341]);
    expect(resizeTarget({ kind: 'shortest_edge', shortestEdge: 256 }, 641, 480)).toEqual([341, 256]);
  });
});
