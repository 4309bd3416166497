// `boft export-peft` with an image-folder dataset: experiment.json lists the images in our
// loader's order with the studio's split and pixel plan; where the reference mirror .venv-ref
// exists, train.py's pixels equal our loader's (PNG: bit for bit; JPEG: within the decoders'
// difference) and 2 real PEFT steps write an adapter that loads back here.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { exportPeft } from './export-peft';
import { trainValidationSplit } from '../../data/split';
import { Rng } from '../../train/rng';
import { loadDatasets, listImageFolder } from '../datasets';
import { loadPretrainedModel } from '../checkpoint';
import { fromPretrained } from '../adapter-fs';
import { parseSafetensors, toFloat32, toInt32 } from '../../io/safetensors';
import type { ImageClassificationData } from '../../data/dataset';

const VENV_PY = resolve(new URL('../../../.venv-ref/bin/python', import.meta.url).pathname);
const SAMPLE_MODEL = resolve(new URL('../../../assets/sample/model', import.meta.url).pathname);
const VIT_PREPROCESSOR = resolve(new URL('../../../core/testing/fixtures/models/preprocess/vit_bilinear_down/preprocessor_config.json', import.meta.url).pathname);

/** Random RGBA bytes (opaque), so gray conversion and the area resize both matter. */
function noise(w: number, h: number, rng: Rng): Uint8Array {
  const d = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) d.set([rng.int(256), rng.int(256), rng.int(256), 255], i * 4);
  return d;
}

function png(w: number, h: number, rng: Rng): Buffer {
  const p = new PNG({ width: w, height: h });
  p.data.set(noise(w, h, rng));
  return PNG.sync.write(p);
}

/** 3 classes × 5 PNGs of odd sizes (12×12, 10×7, ...) and one JPEG; class names sort numerically. */
function imageFolder(): string {
  const root = mkdtempSync(join(tmpdir(), 'boft-peft-imgs-'));
  const rng = new Rng(17);
  const sizes: [number, number][] = [[12, 12], [10, 7], [8, 8], [16, 9], [13, 11]];
  for (const c of ['2', '10', '7']) {
    mkdirSync(join(root, c));
    sizes.forEach(([w, h], i) => writeFileSync(join(root, c, `img${i}.png`), png(w, h, rng)));
  }
  writeFileSync(join(root, '7', 'photo.jpg'), jpeg.encode({ data: noise(12, 12, rng), width: 12, height: 12 }, 95).data);
  writeFileSync(join(root, '7', 'readme.txt'), 'not an image');
  return root;
}

function runJson(dir: string, data: string, model = SAMPLE_MODEL): string {
  const path = join(dir, 'run.json');
  writeFileSync(path, JSON.stringify({
    name: 'image folder', model,
    dataset: { kind: 'image-folder', path: data, validation_split: 0.25 },
    boft: { target_modules: ['fc1', 'fc2'], boft_block_size: 8, boft_n_butterfly_factor: 1 },
    training: { seed: 9, learning_rate: 0.01, max_steps: 4, per_device_train_batch_size: 4, per_device_eval_batch_size: 8, eval_steps: 2, save_steps: 0 },
    output_dir: 'out',
  }));
  return path;
}

interface Exported { dir: string; data: string; ex: { dataset: Record<string, unknown>; split: { train: number[]; validation: number[] }; model_dir: string } }

function exported(model = SAMPLE_MODEL): Exported {
  const data = imageFolder();
  const dir = mkdtempSync(join(tmpdir(), 'boft-peft-job-imgs-'));
  exportPeft(runJson(dir, data, model), join(dir, 'job'), 1);
  return { dir, data, ex: JSON.parse(readFileSync(join(dir, 'job', 'experiment.json'), 'utf8')) };
}

describe('boft export-peft with an image folder', () => {
  it('lists the images in the loader order with labels, the studio split and the pixel plan', () => {
    const { data, ex, dir } = exported();
    const files = ex.dataset.files as [string, number][];
    // Folders in UTF-16 order ('10' < '2' < '7'), labels by numeric class order (2, 7, 10).
    expect(files.map(([f]) => f)).toEqual(listImageFolder(data).map((e) => e.relative));
    expect(files[0]).toEqual(['10/img0.png', 2]);
    expect(files[5]).toEqual(['2/img0.png', 0]);
    expect(files[10]).toEqual(['7/img0.png', 1]);
    expect(files).toHaveLength(16);
    expect(ex.dataset.class_names).toEqual(['2', '7', '10']);
    expect(ex.dataset.pixels).toEqual({ kind: 'area', channels: 1, height: 8, width: 8 });
    const s = trainValidationSplit(16, 0.25, 9);
    expect(ex.split.validation).toEqual([...s.validation]);
    expect(ex.split.train).toEqual([...s.train]);
    const readme = readFileSync(join(dir, 'job', 'README.md'), 'utf8');
    expect(readme).toContain('pip install torch transformers peft accelerate safetensors pillow');
    expect(readme).toMatch(/Image folder: experiment.json lists the images/);
  });

  it('refuses a folder with fewer than two classes, naming it', () => {
    const data = mkdtempSync(join(tmpdir(), 'boft-peft-one-'));
    mkdirSync(join(data, 'only'));
    const dir = mkdtempSync(join(tmpdir(), 'boft-peft-job-one-'));
    expect(() => exportPeft(runJson(dir, data), join(dir, 'job'), 1)).toThrow(new RegExp(`${data}.*found 1 class subfolder`));
  });

  if (!existsSync(VENV_PY)) {
    it.skip(`train.py pixels and a 2-step PEFT run — skipped: no reference Python mirror at ${VENV_PY}`, () => {});
    return;
  }
  it('train.py makes our loader\'s pixels; 2 PEFT steps write an adapter that loads here', async () => {
    const { dir, data, ex } = exported();
    const job = join(dir, 'job');
    const pixelsOut = join(dir, 'pixels.safetensors');
    writeFileSync(join(dir, 'check.py'), [
      'import json, sys, torch', `sys.path.insert(0, ${JSON.stringify(job)})`, 'import train', 'from safetensors.torch import save_file',
      `spec = json.load(open(${JSON.stringify(join(job, 'experiment.json'))}))`,
      "ds = spec['dataset']",
      "cols = train.read_examples(ds, ds['resolved_path'], None, ds['files'], spec['model_dir'])",
      `save_file({'pixel_values': cols['pixel_values'].contiguous(), 'labels': cols['labels'].int()}, ${JSON.stringify(pixelsOut)})`,
      `sys.argv = ['train.py', '--experiment', ${JSON.stringify(join(job, 'experiment.json'))}, '--max-steps', '2', '--cpu', '--output-dir', ${JSON.stringify(join(dir, 'out'))}]`,
      'train.main()',
    ].join('\n'));
    execFileSync(VENV_PY, [join(dir, 'check.py')], { stdio: 'pipe', timeout: 240_000 });
    const t = parseSafetensors(new Uint8Array(readFileSync(pixelsOut)), 'pixels').tensors;
    const theirs = toFloat32(t.get('pixel_values')!);
    const { model } = loadPretrainedModel(ex.model_dir);
    const ours = loadDatasets({ kind: 'image-folder', path: data }, '/', ex.model_dir, model, 9).train as ImageClassificationData;
    expect([...toInt32(t.get('labels')!)]).toEqual([...ours.labels]);
    const per = 64;
    const files = ex.dataset.files as [string, number][];
    files.forEach(([f], i) => {
      const a = ours.pixels.subarray(i * per, (i + 1) * per);
      const b = theirs.subarray(i * per, (i + 1) * per);
      if (f.endsWith('.png')) expect([...b]).toEqual([...a]); // same float64 math, same fp32 rounding
      else expect(Math.max(...a.map((v, j) => Math.abs(v - b[j])))).toBeLessThan(3 / 255); // jpeg-js vs libjpeg
    });
    const bm = await fromPretrained(model, join(dir, 'out', 'adapter'));
    expect(bm.peftConfig.get('default')?.target_modules).toEqual(expect.arrayContaining(['fc1', 'fc2']));
    // Two PEFT steps moved the adapter away from the identity.
    const x = tf.tensor4d(ours.pixels, [16, 1, 8, 8]);
    model.eval();
    const tuned = model.forward({ pixel_values: x }).logits.dataSync();
    const base = bm.withDisabledAdapters(() => model.forward({ pixel_values: x }).logits.dataSync());
    expect(Math.max(...tuned.map((v, i) => Math.abs(v - base[i])))).toBeGreaterThan(1e-4);
    x.dispose();
    model.dispose();
  }, 300_000);

  it('with a preprocessor_config.json, train.py\'s transformers image processor makes our pixels', () => {
    // The sample model plus a ViT image processor (8×8 bilinear, mean = std = 0.5).
    const modelDir = mkdtempSync(join(tmpdir(), 'boft-peft-vitpp-'));
    for (const f of ['config.json', 'model.safetensors']) copyFileSync(join(SAMPLE_MODEL, f), join(modelDir, f));
    copyFileSync(VIT_PREPROCESSOR, join(modelDir, 'preprocessor_config.json'));
    const { dir, data, ex } = exported(modelDir);
    expect(ex.dataset.pixels).toEqual({ kind: 'preprocessor', path: join(modelDir, 'preprocessor_config.json') });
    const job = join(dir, 'job');
    const pixelsOut = join(dir, 'pixels.safetensors');
    writeFileSync(join(dir, 'pixels.py'), [
      'import json, sys', `sys.path.insert(0, ${JSON.stringify(job)})`, 'import train', 'from safetensors.torch import save_file',
      `spec = json.load(open(${JSON.stringify(join(job, 'experiment.json'))}))`, "ds = spec['dataset']",
      "cols = train.read_examples(ds, ds['resolved_path'], None, ds['files'], spec['model_dir'])",
      `save_file({'pixel_values': cols['pixel_values'].contiguous()}, ${JSON.stringify(pixelsOut)})`,
    ].join('\n'));
    execFileSync(VENV_PY, [join(dir, 'pixels.py')], { stdio: 'pipe', timeout: 120_000 });
    const e = parseSafetensors(new Uint8Array(readFileSync(pixelsOut)), 'pixels').tensors.get('pixel_values')!;
    expect(e.shape).toEqual([16, 3, 8, 8]);
    const theirs = toFloat32(e);
    const { model } = loadPretrainedModel(SAMPLE_MODEL);
    const ours = loadDatasets({ kind: 'image-folder', path: data }, '/', modelDir, model, 9).train as ImageClassificationData;
    model.dispose();
    const per = 3 * 64;
    (ex.dataset.files as [string, number][]).forEach(([f], i) => {
      const a = ours.pixels.subarray(i * per, (i + 1) * per);
      const b = theirs.subarray(i * per, (i + 1) * per);
      if (f.endsWith('.png')) expect([...b]).toEqual([...a]); // Pillow's 8-bit resampling, reproduced exactly
      else expect(Math.max(...a.map((v, j) => Math.abs(v - b[j])))).toBeLessThan(6 / 255); // jpeg-js vs libjpeg, ×2 by normalize
    });
  }, 120_000);
});
