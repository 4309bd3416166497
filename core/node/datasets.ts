// Reading datasets from disk for `boft train`, the demo and the studio worker: files are read
// here, parsed by core/data, and turned into the sources a training task batches. Images are
// decoded with pure-JS decoders (pngjs, jpeg-js): no native downloads.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { DatasetError } from '../data/errors';
import { imageClassification, type DecodedImage, type LabelledImage, type PixelSpec } from '../data/image';
import { parseImageTensors } from '../data/tensors';
import { packTokens, parseCausalLm, parseTextClassification } from '../data/text';
import { subset, datasetSize, labelVocabulary, type Dataset, type ImageClassificationData } from '../data/dataset';
import { trainValidationSplit } from '../data/split';
import { parsePreprocessorConfig, preprocessImage } from '../data/preprocess-image';
import type { DatasetSpec } from '../train/run-spec';
import { causalLmTask, classificationTask, imageSource, tokenSource, type ClassificationSource, type TrainTask } from '../train/task';
import type { PretrainedModel } from '../models/types';
import { encodeBatch, encodeText, loadTokenizer } from './tokenizer';

const IMAGE_EXTS = new Set(['.png', '.jpg', '.jpeg']);

/** Every file read, for the run bundle's dataset hash. */
export class FileLog {
  readonly files: { path: string; sha256: string; bytes: number }[] = [];

  read(path: string): Uint8Array {
    if (!existsSync(path)) throw new DatasetError(path, null, 'file not found');
    const b = readFileSync(path);
    this.files.push({ path, sha256: createHash('sha256').update(b).digest('hex'), bytes: b.byteLength });
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  }

  /** sha256 over the sorted (path, sha256) list. */
  digest(): string {
    const h = createHash('sha256');
    for (const f of [...this.files].sort((a, b) => a.path.localeCompare(b.path))) h.update(`${f.path}\0${f.sha256}\n`);
    return h.digest('hex');
  }
}

/** PNG or JPEG bytes to pixels; an undecodable file is an error naming it. */
export function decodeImage(bytes: Uint8Array, file: string): DecodedImage {
  const ext = extname(file).toLowerCase();
  try {
    if (ext === '.png') {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: png.width, height: png.height, channels: 4, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
    }
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 512 });
    return { width: img.width, height: img.height, channels: 4, data: img.data };
  } catch (e) {
    throw new DatasetError(file, null, `cannot decode ${ext === '.png' ? 'PNG' : 'JPEG'} (${(e as Error).message})`);
  }
}

/** One image of an image folder, not yet read. */
export interface ImageFolderEntry {
  /** Path relative to the folder root: `<class>/<file>`. */
  relative: string;
  className: string;
}

/**
 * root/<class>/<image>: one class per subfolder, classes and files sorted by name (UTF-16
 * order); the order of examples, hence what split indices mean.
 */
export function listImageFolder(root: string): ImageFolderEntry[] {
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new DatasetError(root, null, 'image folder not found (expected one subfolder per class)');
  const classes = readdirSync(root).filter((c) => statSync(join(root, c)).isDirectory()).sort();
  if (classes.length < 2) throw new DatasetError(root, null, `found ${classes.length} class subfolder(s); an image folder needs at least 2`);
  const out: ImageFolderEntry[] = [];
  for (const c of classes) {
    for (const f of readdirSync(join(root, c)).sort()) {
      if (IMAGE_EXTS.has(extname(f).toLowerCase())) out.push({ relative: `${c}/${f}`, className: c });
    }
  }
  return out;
}

export function readImageFolder(root: string, log: FileLog): LabelledImage[] {
  return listImageFolder(root).map((e) => {
    const path = join(root, e.relative);
    return { file: path, className: e.className, image: decodeImage(log.read(path), path) };
  });
}

/**
 * How an image becomes model pixels: the model folder's preprocessor_config.json (transformers'
 * image processor) when there is one, else area resampling to the config's image_size and
 * num_channels (gray by ITU-R 601 luma when 1 channel).
 */
export type PixelPlan = { kind: 'preprocessor'; path: string } | ({ kind: 'area' } & PixelSpec);

export function pixelPlan(modelDir: string, config: Record<string, unknown>): PixelPlan {
  const ppPath = join(modelDir, 'preprocessor_config.json');
  if (existsSync(ppPath)) return { kind: 'preprocessor', path: ppPath };
  const size = typeof config.image_size === 'number' ? config.image_size : 224;
  return { kind: 'area', channels: config.num_channels === 3 ? 3 : 1, height: size, width: size };
}

/** Model pixels for an image folder as pixelPlan says. */
function imagesToData(items: LabelledImage[], modelDir: string, model: PretrainedModel, classNames?: string[]): ImageClassificationData {
  const plan = pixelPlan(modelDir, model.config as Record<string, unknown>);
  if (plan.kind === 'area') return imageClassification(items, { channels: plan.channels, height: plan.height, width: plan.width }, classNames);
  const ppPath = plan.path;
  const pp = parsePreprocessorConfig(JSON.parse(readFileSync(ppPath, 'utf8')));
  const names = classNames ?? labelVocabulary(items.map((x) => x.className));
  const rows = items.map((x) => {
    const rgb = new Uint8Array(x.image.width * x.image.height * 3);
    for (let i = 0; i < x.image.width * x.image.height; i++) rgb.set(x.image.data.subarray(i * x.image.channels, i * x.image.channels + 3), i * 3);
    return preprocessImage({ width: x.image.width, height: x.image.height, data: rgb }, pp);
  });
  const pixels = new Float32Array(rows.length * rows[0].data.length);
  rows.forEach((r, i) => pixels.set(r.data, i * r.data.length));
  const labels = Int32Array.from(items, (x) => {
    const id = names.indexOf(x.className);
    if (id < 0) throw new DatasetError(x.file, null, `class '${x.className}' is not among ${names.join(', ')}`);
    return id;
  });
  return { kind: 'image-classification', pixels, shape: rows[0].shape, labels, classNames: names };
}

function readOne(spec: DatasetSpec, path: string, modelDir: string, model: PretrainedModel, log: FileLog, classNames?: string[]): Dataset {
  switch (spec.kind) {
    case 'image-tensors':
      return parseImageTensors(log.read(path), path);
    case 'image-folder':
      return imagesToData(readImageFolder(path, log), modelDir, model, classNames);
    case 'text-classification':
      return parseTextClassification(log.read(path), path, spec.format, { textField: spec.text_field ?? 'text', labelField: spec.label_field ?? 'label' }, classNames);
    case 'causal-lm':
      return parseCausalLm(log.read(path), path, spec.format, spec.text_field ?? 'text');
    default: {
      const never: never = spec;
      throw new Error(`unknown dataset kind ${JSON.stringify(never)}`);
    }
  }
}

export interface LoadedData {
  train: Dataset;
  validation: Dataset | null;
  log: FileLog;
}

/** Reads train (and validation) data; paths are relative to `baseDir`. */
export function loadDatasets(spec: DatasetSpec, baseDir: string, modelDir: string, model: PretrainedModel, seed: number): LoadedData {
  const log = new FileLog();
  const all = readOne(spec, resolve(baseDir, spec.path), modelDir, model, log);
  const names = all.kind === 'causal-lm' ? undefined : all.classNames;
  if (spec.validation_path) return { train: all, validation: readOne(spec, resolve(baseDir, spec.validation_path), modelDir, model, log, names), log };
  if (spec.validation_split === undefined) return { train: all, validation: null, log };
  const s = trainValidationSplit(datasetSize(all), spec.validation_split, seed);
  return { train: subset(all, s.train), validation: subset(all, s.validation), log };
}

function classificationSourceOf(d: Dataset, modelDir: string, maxLength: number | undefined): ClassificationSource {
  switch (d.kind) {
    case 'image-classification':
      return imageSource(d);
    case 'text-classification': {
      const enc = encodeBatch(loadTokenizer(modelDir), d.texts, maxLength ?? 128);
      return tokenSource(enc.inputIds, enc.attentionMask, enc.shape[1], d.labels);
    }
    case 'causal-lm':
      throw new Error('a causal-lm dataset cannot feed a classification model');
    default: {
      const never: never = d;
      throw new Error(`unknown dataset ${JSON.stringify(never)}`);
    }
  }
}

/** The training task for a model of the zoo and loaded data; the model's task decides the loss. */
export function taskFor(model: PretrainedModel, spec: DatasetSpec, data: LoadedData, modelDir: string): TrainTask {
  if (model.task === 'causal-lm') {
    if (data.train.kind !== 'causal-lm' || spec.kind !== 'causal-lm') throw new Error(`model task causal-lm needs a causal-lm dataset, got ${data.train.kind}`);
    const tok = loadTokenizer(modelDir);
    const blocks = (d: Dataset): { ids: Int32Array; n: number; blockSize: number } => {
      const docs = (d as { docs: string[] }).docs.map((s) => encodeText(tok, s));
      return { ...packTokens(docs, spec.block_size, null), blockSize: spec.block_size };
    };
    return causalLmTask(model, blocks(data.train), data.validation ? blocks(data.validation) : null);
  }
  const maxLength = spec.kind === 'text-classification' ? spec.max_length : undefined;
  const val = data.validation ? classificationSourceOf(data.validation, modelDir, maxLength) : null;
  return classificationTask(model, classificationSourceOf(data.train, modelDir, maxLength), val);
}

