// Reader and writer for the safetensors format (8-byte little-endian header length N,
// N bytes of UTF-8 JSON, then one contiguous data section). Runtime-neutral: it works on
// bytes; Node callers that stream big checkpoints read the header first with
// `readHeaderLength` + `parseSafetensorsHeader`, then each tensor's byte range.
import * as tf from '@tensorflow/tfjs';

export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

/** Bytes per element, and the Python library's write order (higher rank first). */
const DTYPES: Record<SafetensorsDtype, { itemsize: number; rank: number }> = {
  I64: { itemsize: 8, rank: 9 },
  F64: { itemsize: 8, rank: 8 },
  F32: { itemsize: 4, rank: 7 },
  I32: { itemsize: 4, rank: 6 },
  BF16: { itemsize: 2, rank: 5 },
  F16: { itemsize: 2, rank: 4 },
  I16: { itemsize: 2, rank: 3 },
  I8: { itemsize: 1, rank: 2 },
  U8: { itemsize: 1, rank: 1 },
  BOOL: { itemsize: 1, rank: 0 },
};
const DTYPE_NAMES = Object.keys(DTYPES) as SafetensorsDtype[];

/** The Rust library's bound on N; larger headers are refused before any JSON parsing. */
export const MAX_HEADER_BYTES = 100_000_000;

/** Where one tensor lives: offsets are relative to the start of the data section. */
export interface TensorInfo {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  /** Byte offset of the data section in the file (8 + N). */
  dataStart: number;
  /** Tensors in file order (ascending offsets). */
  infos: TensorInfo[];
  metadata: Record<string, string>;
}

/** One tensor: raw little-endian bytes (a view, possibly unaligned) plus its description. */
export interface TensorEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  data: Uint8Array;
}

export interface SafetensorsFile {
  tensors: Map<string, TensorEntry>;
  metadata: Record<string, string>;
}

export interface TensorToWrite {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  data: ArrayBufferView;
}

function fail(sourceName: string, what: string): never {
  throw new Error(`safetensors '${sourceName}': ${what}`);
}

function isDtype(s: unknown): s is SafetensorsDtype {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(DTYPES, s);
}

export function itemsize(dtype: SafetensorsDtype): number {
  return DTYPES[dtype].itemsize;
}

function numel(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** N from the first 8 bytes, checked against the cap and (when known) the file size. */
export function readHeaderLength(prefix: Uint8Array, sourceName: string, fileSize?: number): number {
  if (prefix.byteLength < 8) fail(sourceName, `file is ${prefix.byteLength} bytes, shorter than the 8-byte header length`);
  const view = new DataView(prefix.buffer, prefix.byteOffset, 8);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) fail(sourceName, `header length ${n} exceeds the limit of ${MAX_HEADER_BYTES} bytes`);
  const len = Number(n);
  if (fileSize !== undefined && 8 + len > fileSize) {
    fail(sourceName, `header length ${len} runs past the end of the file (${fileSize} bytes): truncated or corrupt`);
  }
  return len;
}

function decodeJson(headerBytes: Uint8Array, sourceName: string): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    fail(sourceName, 'header is not valid UTF-8');
  }
  if (!text.startsWith('{')) fail(sourceName, "header does not start with '{'");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    fail(sourceName, `header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) fail(sourceName, 'header is not a JSON object');
  return parsed as Record<string, unknown>;
}

function parseMetadata(raw: unknown, sourceName: string): Record<string, string> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(sourceName, '__metadata__ must be an object of strings');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string') fail(sourceName, `__metadata__['${k}'] must be a string, got ${JSON.stringify(v)}`);
    out[k] = v;
  }
  return out;
}

const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function parseInfo(name: string, raw: unknown, sourceName: string): TensorInfo {
  const where = `tensor '${name}'`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(sourceName, `${where}: entry is not an object`);
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (!isDtype(dtype)) fail(sourceName, `${where}: unknown dtype ${JSON.stringify(dtype)} (valid: ${DTYPE_NAMES.join(', ')})`);
  if (!Array.isArray(shape) || !shape.every(isIndex)) {
    fail(sourceName, `${where}: shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex) || offsets[0] > offsets[1]) {
    fail(sourceName, `${where}: data_offsets must be [begin, end] with 0 <= begin <= end, got ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  const expected = numel(shape) * DTYPES[dtype].itemsize;
  if (end - begin !== expected) {
    fail(sourceName, `${where}: ${end - begin} bytes for dtype ${dtype} shape [${shape.join(', ')}], expected ${expected}`);
  }
  return { name, dtype, shape: shape.slice(), begin, end };
}

/** The spec requires the tensors to tile the data section exactly, in offset order. */
function checkLayout(infos: TensorInfo[], dataLength: number | undefined, sourceName: string): void {
  let cursor = 0;
  let prev = '(start of data)';
  for (const info of infos) {
    if (info.begin !== cursor) {
      const kind = info.begin < cursor ? 'overlaps' : 'leaves a gap after';
      fail(sourceName, `tensor '${info.name}' at [${info.begin}, ${info.end}] ${kind} '${prev}' ending at ${cursor}`);
    }
    cursor = info.end;
    prev = info.name;
  }
  if (dataLength !== undefined && cursor !== dataLength) {
    const why = cursor > dataLength ? 'runs past the end of the file: truncated' : 'leaves trailing bytes';
    fail(sourceName, `tensor data ends at ${cursor} but the data section is ${dataLength} bytes (${why})`);
  }
}

/**
 * Parses the N header bytes (without the 8-byte length). `dataLength`, the file size minus
 * 8 + N, enables the end-of-file check; pass it whenever the size is known.
 */
export function parseSafetensorsHeader(headerBytes: Uint8Array, sourceName: string, dataLength?: number): SafetensorsHeader {
  const json = decodeJson(headerBytes, sourceName);
  let metadata: Record<string, string> = {};
  const infos: TensorInfo[] = [];
  for (const [name, raw] of Object.entries(json)) {
    if (name === '__metadata__') metadata = parseMetadata(raw, sourceName);
    else infos.push(parseInfo(name, raw, sourceName));
  }
  infos.sort((a, b) => a.begin - b.begin || a.end - b.end);
  checkLayout(infos, dataLength, sourceName);
  return { dataStart: 8 + headerBytes.byteLength, infos, metadata };
}

/** Wraps one tensor's bytes (exactly info.end - info.begin of them) as an entry. */
export function tensorEntryFromBytes(info: TensorInfo, bytes: Uint8Array, sourceName: string): TensorEntry {
  if (bytes.byteLength !== info.end - info.begin) {
    fail(sourceName, `tensor '${info.name}': got ${bytes.byteLength} bytes, expected ${info.end - info.begin}`);
  }
  return { name: info.name, dtype: info.dtype, shape: info.shape.slice(), data: bytes };
}

/** Parses a whole file held in memory. Entries are views into `bytes` (no copy). */
export function parseSafetensors(bytes: Uint8Array, sourceName: string): SafetensorsFile {
  const n = readHeaderLength(bytes, sourceName, bytes.byteLength);
  const header = parseSafetensorsHeader(bytes.subarray(8, 8 + n), sourceName, bytes.byteLength - 8 - n);
  const tensors = new Map<string, TensorEntry>();
  for (const info of header.infos) {
    const data = bytes.subarray(header.dataStart + info.begin, header.dataStart + info.end);
    tensors.set(info.name, tensorEntryFromBytes(info, data, sourceName));
  }
  return { tensors, metadata: header.metadata };
}

function viewOf(e: TensorEntry): DataView {
  return new DataView(e.data.buffer, e.data.byteOffset, e.data.byteLength);
}

/** IEEE binary16 → number, exact (subnormals, ±0, ±inf, NaN). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1024 + frac) * 2 ** (exp - 25);
}

/** Float dtypes widened (F16/BF16, exact) or rounded to nearest even (F64) to fp32, as torch's `.float()`. */
export function toFloat32(e: TensorEntry): Float32Array {
  const n = numel(e.shape);
  const out = new Float32Array(n);
  const v = viewOf(e);
  switch (e.dtype) {
    case 'F32':
      for (let i = 0; i < n; i++) out[i] = v.getFloat32(4 * i, true);
      return out;
    case 'F64':
      for (let i = 0; i < n; i++) out[i] = v.getFloat64(8 * i, true);
      return out;
    case 'F16':
      for (let i = 0; i < n; i++) out[i] = halfToFloat(v.getUint16(2 * i, true));
      return out;
    case 'BF16': {
      // bf16 is the upper half of an fp32 word: shift the bits into place, NaN payloads included.
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) bits[i] = v.getUint16(2 * i, true) << 16;
      return out;
    }
    case 'I64': case 'I32': case 'I16': case 'I8': case 'U8': case 'BOOL':
      throw new Error(`tensor '${e.name}' has integer dtype ${e.dtype}; toFloat32 accepts F64, F32, F16, BF16`);
  }
}

function readInt(v: DataView, dtype: SafetensorsDtype, i: number): number | bigint {
  switch (dtype) {
    case 'I64': return v.getBigInt64(8 * i, true);
    case 'I32': return v.getInt32(4 * i, true);
    case 'I16': return v.getInt16(2 * i, true);
    case 'I8': return v.getInt8(i);
    case 'U8': case 'BOOL': return v.getUint8(i);
    case 'F64': case 'F32': case 'F16': case 'BF16':
      throw new Error(`dtype ${dtype} is not an integer dtype`);
  }
}

/** Integer dtypes to int32; a value outside int32 is an error naming the tensor and index. */
export function toInt32(e: TensorEntry): Int32Array {
  const n = numel(e.shape);
  const out = new Int32Array(n);
  const v = viewOf(e);
  for (let i = 0; i < n; i++) {
    const x = readInt(v, e.dtype, i);
    if (x < -2147483648 || x > 2147483647) {
      throw new Error(`tensor '${e.name}' (${e.dtype}, shape [${e.shape.join(', ')}]): element ${i} = ${x} does not fit in int32`);
    }
    out[i] = Number(x);
  }
  return out;
}

function isFloat(dtype: SafetensorsDtype): boolean {
  return dtype === 'F64' || dtype === 'F32' || dtype === 'F16' || dtype === 'BF16';
}

/** Float dtypes → float32 tensors, BOOL → bool, other ints → int32. The caller owns them. */
export function tensorsFromFile(f: SafetensorsFile): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  try {
    for (const [name, e] of f.tensors) {
      if (isFloat(e.dtype)) out.set(name, tf.tensor(toFloat32(e), e.shape, 'float32'));
      else if (e.dtype === 'BOOL') out.set(name, tf.tensor(toInt32(e), e.shape, 'bool'));
      else out.set(name, tf.tensor(toInt32(e), e.shape, 'int32'));
    }
  } catch (err) {
    for (const t of out.values()) t.dispose();
    throw err;
  }
  return out;
}

/** UTF-8 byte order (= code point order), the order Rust sorts String keys in. */
function compareUtf8(a: string, b: string): number {
  const ca = [...a].map((c) => c.codePointAt(0) ?? 0);
  const cb = [...b].map((c) => c.codePointAt(0) ?? 0);
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) if (ca[i] !== cb[i]) return ca[i] - cb[i];
  return ca.length - cb.length;
}

function checkToWrite(t: TensorToWrite): void {
  if (!isDtype(t.dtype)) throw new Error(`tensor '${t.name}': unknown dtype ${String(t.dtype)} (valid: ${DTYPE_NAMES.join(', ')})`);
  if (t.name === '__metadata__') throw new Error("a tensor cannot be named '__metadata__'");
  if (!t.shape.every((v) => isIndex(v))) throw new Error(`tensor '${t.name}': shape [${t.shape.join(', ')}] is not a list of non-negative integers`);
  const expected = numel(t.shape) * itemsize(t.dtype);
  if (t.data.byteLength !== expected) {
    throw new Error(`tensor '${t.name}': ${t.data.byteLength} bytes for ${t.dtype} shape [${t.shape.join(', ')}], expected ${expected}`);
  }
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Writes the layout the Python library writes: tensors ordered by dtype rank then name,
 * compact JSON with `__metadata__` first, header padded with spaces to a multiple of 8.
 * Metadata keys are written sorted (Python's order is a hash order, not reproducible).
 */
export function serializeSafetensors(tensors: Iterable<TensorToWrite>, metadata?: Record<string, string>): Uint8Array {
  if (!littleEndian) throw new Error('serializeSafetensors needs a little-endian host');
  const list = [...tensors];
  list.forEach(checkToWrite);
  const names = new Set(list.map((t) => t.name));
  if (names.size !== list.length) throw new Error('duplicate tensor names');
  list.sort((a, b) => DTYPES[b.dtype].rank - DTYPES[a.dtype].rank || compareUtf8(a.name, b.name));
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) {
    header.__metadata__ = Object.fromEntries(Object.entries(metadata).sort(([a], [b]) => compareUtf8(a, b)));
  }
  let offset = 0;
  for (const t of list) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const n = Math.ceil((8 + json.byteLength) / 8) * 8 - 8;
  const out = new Uint8Array(8 + n + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.byteLength, 8 + n);
  let cursor = 8 + n;
  for (const t of list) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), cursor);
    cursor += t.data.byteLength;
  }
  return out;
}

function dtypeOfTensor(name: string, t: tf.Tensor): SafetensorsDtype {
  switch (t.dtype) {
    case 'float32': return 'F32';
    case 'int32': return 'I32';
    case 'bool': return 'BOOL';
    case 'complex64': case 'string':
      throw new Error(`tensor '${name}' has dtype ${t.dtype}; safetensors output accepts float32, int32, bool`);
  }
}

/** float32 → F32, int32 → I32, bool → BOOL. Reads values asynchronously; disposes nothing. */
export async function tensorsToSafetensors(tensors: Map<string, tf.Tensor>, metadata?: Record<string, string>): Promise<Uint8Array> {
  const list: TensorToWrite[] = [];
  for (const [name, t] of tensors) {
    const dtype = dtypeOfTensor(name, t);
    const values = await t.data();
    const data = dtype === 'BOOL' ? Uint8Array.from(values as Uint8Array | Int32Array) : values;
    list.push({ name, dtype, shape: t.shape.slice(), data: data as ArrayBufferView });
  }
  return serializeSafetensors(list, metadata);
}
