// Files on disk: image folders of PNG and JPEG (pure-JS decoders), corrupt files named in errors.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { FileLog, readImageFolder, loadDatasets } from './datasets';
import { imageClassification } from '../data/image';
import { DigitMLP, digitMlpConfig } from '../train/sample/digit-mlp';

function png(w: number, h: number, value: number): Buffer {
  const p = new PNG({ width: w, height: h });
  for (let i = 0; i < w * h; i++) p.data.set([value, value, value, 255], i * 4);
  return PNG.sync.write(p);
}

function jpg(w: number, h: number, value: number): Uint8Array {
  const data = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) data.set([value, value, value, 255], i * 4);
  return jpeg.encode({ data, width: w, height: h }, 100).data;
}

function folder(): string {
  const root = mkdtempSync(join(tmpdir(), 'boft-imgs-'));
  mkdirSync(join(root, 'cat'));
  mkdirSync(join(root, 'dog'));
  writeFileSync(join(root, 'cat', 'a.png'), png(16, 16, 255));
  writeFileSync(join(root, 'cat', 'b.jpg'), jpg(16, 16, 128));
  writeFileSync(join(root, 'dog', 'c.png'), png(8, 8, 0));
  writeFileSync(join(root, 'dog', 'notes.txt'), 'ignored');
  return root;
}

describe('image folder', { timeout: 30_000 }, () => {
  it('reads PNG and JPEG, one class per subfolder, to [C, H, W] pixels in [0, 1]', () => {
    const log = new FileLog();
    const items = readImageFolder(folder(), log);
    expect(items.map((x) => x.className)).toEqual(['cat', 'cat', 'dog']);
    expect(log.files).toHaveLength(3);
    const d = imageClassification(items, { channels: 1, height: 8, width: 8 });
    expect(d.classNames).toEqual(['cat', 'dog']);
    expect([...d.labels]).toEqual([0, 0, 1]);
    expect(d.pixels[0]).toBe(1); // white PNG
    expect(Math.abs(d.pixels[64] - 128 / 255)).toBeLessThan(2 / 255); // JPEG q100 gray, within codec rounding
    expect(d.pixels[128]).toBe(0);
  });

  it('names a corrupt image file', () => {
    const root = folder();
    writeFileSync(join(root, 'dog', 'broken.png'), Buffer.from('not a png at all'));
    expect(() => readImageFolder(root, new FileLog())).toThrow(new RegExp(`${join(root, 'dog', 'broken.png')}: cannot decode PNG`));
  });

  it('loads through a dataset spec with the model input size and a seeded split', () => {
    const model = new DigitMLP(digitMlpConfig());
    const data = loadDatasets({ kind: 'image-folder', path: folder(), validation_split: 0.34 }, '/', '/nonexistent-model-dir', model, 1);
    expect(data.train.kind).toBe('image-classification');
    expect(data.validation && 'labels' in data.validation ? data.validation.labels.length : -1).toBe(1);
    expect(data.log.digest()).toMatch(/^[0-9a-f]{64}$/);
    model.dispose();
  });
});

describe('text files', () => {
  it('a corrupt JSONL line is reported with file and line', () => {
    const root = mkdtempSync(join(tmpdir(), 'boft-text-'));
    const file = join(root, 'train.jsonl');
    writeFileSync(file, '{"text": "fine", "label": "a"}\n{"text": "broken", "label": "b"\n');
    const model = new DigitMLP(digitMlpConfig());
    expect(() => loadDatasets({ kind: 'text-classification', format: 'jsonl', path: 'train.jsonl' }, root, root, model, 0)).toThrow(`${file}:2: invalid JSON`);
    expect(() => loadDatasets({ kind: 'image-tensors', path: 'missing.safetensors' }, root, root, model, 0)).toThrow(`${join(root, 'missing.safetensors')}: file not found`);
    model.dispose();
  });
});
