// Hugging Face checkpoint folders on disk: config.json plus model.safetensors, or shards
// listed in model.safetensors.index.json. Tensors are read one at a time (header first, then
// each byte range) so a model never holds more than one extra tensor while loading.
import * as tf from '@tensorflow/tfjs';
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import {
  parseSafetensorsHeader, readHeaderLength, tensorEntryFromBytes, toFloat32, toInt32,
  type SafetensorsDtype, type TensorEntry, type TensorInfo,
} from '../io/safetensors';
import type { Module } from '../nn/module';
import { createModel } from '../models/registry';
import type { PretrainedModel } from '../models/types';

export const INDEX_FILE = 'model.safetensors.index.json';
export const SINGLE_FILE = 'model.safetensors';

/** Where one tensor lives: its file and its byte range in that file's data section. */
export interface StoredTensor {
  file: string;
  info: TensorInfo;
  dataStart: number;
}

export function readJsonFile(path: string): Record<string, unknown> {
  if (!existsSync(path)) throw new Error(`${path}: file not found`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`${path}: not a JSON object`);
  return parsed as Record<string, unknown>;
}

export function readModelConfig(dir: string): Record<string, unknown> {
  return readJsonFile(join(dir, 'config.json'));
}

/** Reads only the header of one safetensors file. */
export function readFileHeader(path: string): StoredTensor[] {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const prefix = new Uint8Array(8);
    readSync(fd, prefix, 0, 8, 0);
    const n = readHeaderLength(prefix, path, size);
    const headerBytes = new Uint8Array(n);
    readSync(fd, headerBytes, 0, n, 8);
    const header = parseSafetensorsHeader(headerBytes, path, size - 8 - n);
    return header.infos.map((info) => ({ file: path, info, dataStart: header.dataStart }));
  } finally {
    closeSync(fd);
  }
}

function shardFiles(dir: string): string[] {
  const indexPath = join(dir, INDEX_FILE);
  if (existsSync(indexPath)) {
    const index = readJsonFile(indexPath);
    const map = index.weight_map;
    if (typeof map !== 'object' || map === null) throw new Error(`${indexPath}: no 'weight_map' object`);
    const files = new Set(Object.values(map as Record<string, unknown>).map(String));
    return [...files].sort().map((f) => join(dir, f));
  }
  const single = join(dir, SINGLE_FILE);
  if (!existsSync(single)) throw new Error(`${dir}: neither ${SINGLE_FILE} nor ${INDEX_FILE} found`);
  return [single];
}

/** Every tensor of a checkpoint folder by name, headers only. Duplicate names are an error. */
export function indexCheckpoint(dir: string): Map<string, StoredTensor> {
  const out = new Map<string, StoredTensor>();
  for (const file of shardFiles(dir)) {
    for (const st of readFileHeader(file)) {
      const prev = out.get(st.info.name);
      if (prev) throw new Error(`tensor '${st.info.name}' is in both ${prev.file} and ${file}`);
      out.set(st.info.name, st);
    }
  }
  return out;
}

/** Reads one tensor's bytes from disk. */
export function readStoredTensor(st: StoredTensor): TensorEntry {
  const fd = openSync(st.file, 'r');
  try {
    const bytes = new Uint8Array(st.info.end - st.info.begin);
    const got = readSync(fd, bytes, 0, bytes.byteLength, st.dataStart + st.info.begin);
    if (got !== bytes.byteLength) throw new Error(`${st.file}: tensor '${st.info.name}' truncated (${got} of ${bytes.byteLength} bytes)`);
    return tensorEntryFromBytes(st.info, bytes, st.file);
  } finally {
    closeSync(fd);
  }
}

const FLOAT_DTYPES: readonly SafetensorsDtype[] = ['F32', 'F16', 'BF16', 'F64'];

/** Result of loading: what was read, and the largest transient allocation while doing it. */
export interface LoadReport {
  tensors: number;
  /** Bytes of the largest single tensor held twice (file bytes + fp32 copy) during loading. */
  peakExtraBytes: number;
  /** Names in the files, in file order, with their stored dtype and shape (for writing back). */
  stored: Map<string, StoredTensor>;
}

/** Maps a file name to the model's parameter name (identity for every architecture here). */
export type NameMap = (fileName: string) => string;

function checkAll(model: Module, stored: Map<string, StoredTensor>, dir: string, nameOf: NameMap): Map<string, tf.Variable> {
  const params = new Map(model.namedParameters());
  const errors: string[] = [];
  const assigned = new Map<string, tf.Variable>();
  for (const [name, st] of stored) {
    const p = params.get(nameOf(name));
    const where = `${st.file}: tensor '${name}'`;
    if (!p) {
      errors.push(`${where} has no parameter in the ${model.typeName} model`);
      continue;
    }
    if (!FLOAT_DTYPES.includes(st.info.dtype)) errors.push(`${where}: dtype ${st.info.dtype}, expected one of ${FLOAT_DTYPES.join(', ')}`);
    if (p.shape.join(',') !== st.info.shape.join(',')) errors.push(`${where}: expected shape [${p.shape.join(', ')}], found [${st.info.shape.join(', ')}]`);
    assigned.set(name, p);
  }
  const loaded = new Set(assigned.values());
  const missing = [...params].filter(([, p]) => !loaded.has(p)).map(([n]) => n);
  if (missing.length > 0) errors.push(`${dir}: no tensor for ${missing.join(', ')}`);
  if (errors.length > 0) throw new Error(`cannot load checkpoint ${dir}:\n  ${errors.join('\n  ')}`);
  return assigned;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * fp32 values of a stored float tensor. An F32 tensor read on a little-endian host is viewed in
 * place (its bytes are already the fp32 array), which saves a copy and a per-element loop;
 * other dtypes are widened into a new array.
 */
function floatValues(entry: TensorEntry): Float32Array {
  const d = entry.data;
  if (entry.dtype === 'F32' && LITTLE_ENDIAN && d.byteOffset % 4 === 0) return new Float32Array(d.buffer, d.byteOffset, d.byteLength / 4);
  return toFloat32(entry);
}

/**
 * Loads every tensor of a checkpoint folder into `model`. All names, shapes and dtypes are
 * checked from the headers before any weight is touched; each tensor is then read, widened to
 * fp32, assigned and freed before the next one is read.
 */
export function loadCheckpointInto(model: Module, dir: string, nameOf: NameMap = (n) => n): LoadReport {
  const stored = indexCheckpoint(dir);
  const targets = checkAll(model, stored, dir, nameOf);
  let peak = 0;
  for (const [name, p] of targets) {
    const st = stored.get(name) as StoredTensor;
    const entry = readStoredTensor(st);
    const values = floatValues(entry);
    const inPlace = values.buffer === entry.data.buffer;
    peak = Math.max(peak, entry.data.byteLength + (inPlace ? 0 : values.byteLength));
    tf.tidy(() => p.assign(tf.tensor(values, st.info.shape, 'float32')));
  }
  return { tensors: targets.size, peakExtraBytes: peak, stored };
}

/** Input tensors of a safetensors file: floats as float32, integers as int32. Caller owns them. */
export function readInputTensors(path: string): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  for (const st of readFileHeader(path)) {
    const e = readStoredTensor(st);
    const t = FLOAT_DTYPES.includes(e.dtype) ? tf.tensor(toFloat32(e), e.shape, 'float32') : tf.tensor(toInt32(e), e.shape, 'int32');
    out.set(st.info.name, t);
  }
  return out;
}

// --- writing ------------------------------------------------------------------------------

/** fp32 → IEEE binary16, round to nearest even (as torch's .half()). */
export function floatToHalf(f: number): number {
  const buf = new DataView(new ArrayBuffer(4));
  buf.setFloat32(0, f);
  const x = buf.getUint32(0);
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = m & ((1 << shift) - 1);
    let r = m >>> shift;
    if (rest > half || (rest === half && (r & 1))) r += 1;
    return sign | r;
  }
  let r = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (r & 1))) r += 1;
  return sign | r;
}

/** fp32 → bfloat16 bits, round to nearest even (NaN kept quiet). */
export function floatToBf16(f: number): number {
  const buf = new DataView(new ArrayBuffer(4));
  buf.setFloat32(0, f);
  const x = buf.getUint32(0);
  if ((x & 0x7fffffff) > 0x7f800000) return ((x >>> 16) | 0x40) & 0xffff;
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

/** Encodes fp32 values in a float dtype of the safetensors format (little-endian bytes). */
export function encodeFloats(values: Float32Array, dtype: SafetensorsDtype): Uint8Array {
  switch (dtype) {
    case 'F32':
      return new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
    case 'F64':
      return new Uint8Array(Float64Array.from(values).buffer);
    case 'F16': case 'BF16': {
      const out = new Uint16Array(values.length);
      const enc = dtype === 'F16' ? floatToHalf : floatToBf16;
      for (let i = 0; i < values.length; i++) out[i] = enc(values[i]);
      return new Uint8Array(out.buffer);
    }
    case 'I64': case 'I32': case 'I16': case 'I8': case 'U8': case 'BOOL':
      throw new Error(`encodeFloats: ${dtype} is not a float dtype`);
  }
}

/** One tensor to stream out: its description and a producer called when its turn comes. */
export interface StreamedTensor {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  bytes: () => Uint8Array;
}

/** Writes a safetensors file producing one tensor's bytes at a time (no whole-file buffer). */
export function writeSafetensorsStreaming(path: string, tensors: StreamedTensor[], metadata: Record<string, string> = { format: 'pt' }): void {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  const sizes = tensors.map((t) => t.shape.reduce((a, b) => a * b, 1) * (t.dtype === 'F32' || t.dtype === 'I32' ? 4 : t.dtype === 'F64' || t.dtype === 'I64' ? 8 : t.dtype === 'F16' || t.dtype === 'BF16' || t.dtype === 'I16' ? 2 : 1));
  tensors.forEach((t, i) => {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + sizes[i]] };
    offset += sizes[i];
  });
  const json = new TextEncoder().encode(JSON.stringify(header));
  const n = Math.ceil(json.byteLength / 8) * 8;
  const head = new Uint8Array(8 + n).fill(0x20, 8 + json.byteLength);
  new DataView(head.buffer).setBigUint64(0, BigInt(n), true);
  head.set(json, 8);
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, head);
    tensors.forEach((t, i) => {
      const b = t.bytes();
      if (b.byteLength !== sizes[i]) throw new Error(`${path}: tensor '${t.name}' produced ${b.byteLength} bytes, expected ${sizes[i]}`);
      writeSync(fd, b);
    });
  } finally {
    closeSync(fd);
  }
}

/** A model of the zoo with its weights, built from a checkpoint folder. */
export interface LoadedModel {
  model: PretrainedModel;
  config: Record<string, unknown>;
  report: LoadReport;
}

/**
 * config.json → module tree → weights. On any failure the half-built model is disposed.
 * The tree is built 'empty' (zeros, no random draws): loadCheckpointInto is strict, so every
 * parameter is either assigned from the file or the load fails naming what is missing.
 */
export function loadPretrainedModel(dir: string): LoadedModel {
  const config = readModelConfig(dir);
  const model = createModel(config, { init: 'empty' });
  try {
    const report = loadCheckpointInto(model, dir);
    model.eval();
    return { model, config, report };
  } catch (e) {
    model.dispose();
    throw e;
  }
}
