import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import {
  halfToFloat, parseSafetensors, parseSafetensorsHeader, readHeaderLength, serializeSafetensors,
  tensorEntryFromBytes, tensorsFromFile, tensorsToSafetensors, toFloat32, toInt32,
  type TensorEntry, type TensorToWrite,
} from './safetensors';

const PY_FILE = fileURLToPath(new URL('../testing/fixtures/safetensors/python_mixed.safetensors', import.meta.url));
const pyBytes = (): Uint8Array => new Uint8Array(readFileSync(PY_FILE));

function entry(f: ReturnType<typeof parseSafetensors>, name: string): TensorEntry {
  const e = f.tensors.get(name);
  if (!e) throw new Error(`no tensor ${name}`);
  return e;
}

/** Equal as fp32 values, NaN == NaN, and -0 distinct from +0. */
function expectSameFloats(got: Float32Array, want: Float32Array): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Object.is(got[i], want[i]) || (Number.isNaN(got[i]) && Number.isNaN(want[i]))).toBe(true);
}

/** A valid file built by hand: header JSON text + data bytes, so corrupt variants are easy. */
function rawFile(header: string, data: Uint8Array, declaredLength?: number): Uint8Array {
  const json = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(declaredLength ?? json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe('safetensors: file written by Python safetensors 0.8', () => {
  it('parses dtypes, shapes and metadata', () => {
    const f = parseSafetensors(pyBytes(), 'python_mixed.safetensors');
    expect(f.metadata).toEqual({ format: 'pt' });
    expect(entry(f, 'f16').dtype).toBe('F16');
    expect(entry(f, 'f16').shape).toEqual([2, 7]);
    expect(entry(f, 'bf16').shape).toEqual([7, 2]);
    expect(entry(f, 'empty').shape).toEqual([0, 3]);
    expect(entry(f, 'scalar').shape).toEqual([]);
    expect(toFloat32(entry(f, 'scalar'))).toEqual(new Float32Array([1.5]));
  });

  it('widens F16/BF16 and rounds F64 exactly as torch .float() did', () => {
    const f = parseSafetensors(pyBytes(), 'python_mixed.safetensors');
    for (const name of ['f16', 'bf16', 'f64']) {
      expectSameFloats(toFloat32(entry(f, name)), toFloat32(entry(f, `${name}_as_f32`)));
    }
    // The sample holds the edge cases this relies on: subnormals, ±inf, NaN, -0.
    const f16 = toFloat32(entry(f, 'f16'));
    expect(f16.some(Number.isNaN) && f16.includes(Infinity) && f16.includes(2 ** -24)).toBe(true);
  });

  it('reads I64 into int32 and refuses values outside int32', () => {
    const f = parseSafetensors(pyBytes(), 'python_mixed.safetensors');
    expect([...toInt32(entry(f, 'i64'))]).toEqual([0, -1, 2 ** 31 - 1, -(2 ** 31), 42, 7]);
    expect(() => toInt32(entry(f, 'i64_big'))).toThrow(/i64_big.*1099511627776.*int32/);
  });

  it('re-serializes byte for byte', () => {
    const bytes = pyBytes();
    const f = parseSafetensors(bytes, 'python_mixed.safetensors');
    const again = serializeSafetensors([...f.tensors.values()], f.metadata);
    expect(again.length).toBe(bytes.length);
    expect(Buffer.from(again).equals(Buffer.from(bytes))).toBe(true);
  });

  it('reads from a view at an odd byte offset (a pooled Node Buffer)', () => {
    const bytes = pyBytes();
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    const f = parseSafetensors(shifted.subarray(3), 'shifted');
    const g = parseSafetensors(bytes, 'aligned');
    for (const name of ['f32', 'f16', 'bf16', 'f64']) expectSameFloats(toFloat32(entry(f, name)), toFloat32(entry(g, name)));
    expect(toInt32(entry(f, 'i64'))).toEqual(toInt32(entry(g, 'i64')));
  });

  it('reads lazily: header first, then one tensor byte range', () => {
    const bytes = pyBytes();
    const n = readHeaderLength(bytes.subarray(0, 8), 'lazy', bytes.length);
    const header = parseSafetensorsHeader(bytes.subarray(8, 8 + n), 'lazy', bytes.length - 8 - n);
    const info = header.infos.find((i) => i.name === 'f32');
    if (!info) throw new Error('f32 missing');
    const e = tensorEntryFromBytes(info, bytes.slice(header.dataStart + info.begin, header.dataStart + info.end), 'lazy');
    const whole = parseSafetensors(bytes, 'whole');
    expect(toFloat32(e)).toEqual(toFloat32(entry(whole, 'f32')));
  });
});

describe('safetensors: round trips', () => {
  const toWrite: TensorToWrite[] = [
    { name: 'b.w', dtype: 'F32', shape: [2, 2], data: new Float32Array([1, -2, 3.5, 1e-30]) },
    { name: 'a.idx', dtype: 'I32', shape: [3], data: new Int32Array([7, -8, 2 ** 31 - 1]) },
    { name: 'h', dtype: 'F16', shape: [2], data: new Uint16Array([0x3c00, 0x0001]) },
    { name: 'mask', dtype: 'BOOL', shape: [2], data: new Uint8Array([1, 0]) },
    { name: 'z', dtype: 'F64', shape: [0], data: new Float64Array(0) },
  ];

  it('serialize → parse keeps names, shapes, values; header 8-byte aligned', () => {
    const bytes = serializeSafetensors(toWrite, { format: 'pt' });
    expect((8 + readHeaderLength(bytes, 'x')) % 8).toBe(0);
    const f = parseSafetensors(bytes, 'roundtrip');
    expect([...f.tensors.keys()]).toEqual(['z', 'b.w', 'a.idx', 'h', 'mask']); // dtype rank, then name
    expect(toFloat32(entry(f, 'b.w'))).toEqual(new Float32Array([1, -2, 3.5, 1e-30]));
    expect([...toInt32(entry(f, 'a.idx'))]).toEqual([7, -8, 2 ** 31 - 1]);
    expect([...toFloat32(entry(f, 'h'))]).toEqual([1, 2 ** -24]);
    expect([...toInt32(entry(f, 'mask'))]).toEqual([1, 0]);
  });

  it('tf tensors → bytes → tf tensors, without leaking tensors', async () => {
    const before = tf.memory().numTensors;
    const src = new Map<string, tf.Tensor>([
      ['w', tf.tensor([[0.5, -1.25, 3]], [1, 3])],
      ['i', tf.tensor([1, -2], [2], 'int32')],
      ['m', tf.tensor([true, false, true], [3], 'bool')],
    ]);
    const bytes = await tensorsToSafetensors(src, { k: 'v' });
    const back = tensorsFromFile(parseSafetensors(bytes, 'tf'));
    expect(parseSafetensors(bytes, 'tf').metadata).toEqual({ k: 'v' });
    for (const [name, t] of src) {
      const u = back.get(name);
      expect(u?.dtype).toBe(t.dtype);
      expect(u?.shape).toEqual(t.shape);
      expect(await u?.array()).toEqual(await t.array());
    }
    for (const t of [...src.values(), ...back.values()]) t.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('halfToFloat covers the special encodings', () => {
    expect(halfToFloat(0x7c00)).toBe(Infinity);
    expect(halfToFloat(0xfc00)).toBe(-Infinity);
    expect(Number.isNaN(halfToFloat(0x7e00))).toBe(true);
    expect(Object.is(halfToFloat(0x8000), -0)).toBe(true);
    expect(halfToFloat(0x03ff)).toBe(1023 * 2 ** -24);
    expect(halfToFloat(0x7bff)).toBe(65504);
  });

  it('refuses to write inconsistent tensors', () => {
    expect(() => serializeSafetensors([{ name: 'w', dtype: 'F32', shape: [3], data: new Float32Array(2) }])).toThrow(/'w'.*8 bytes.*expected 12/);
    const dup: TensorToWrite = { name: 'w', dtype: 'U8', shape: [1], data: new Uint8Array(1) };
    expect(() => serializeSafetensors([dup, dup])).toThrow(/duplicate/);
  });
});

describe('safetensors: corrupt files name the file', () => {
  const ok = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
  const data8 = new Uint8Array(8);
  const cases: [string, Uint8Array, RegExp][] = [
    ['shorter than 8 bytes', new Uint8Array(5), /shorter than the 8-byte header length/],
    ['truncated header', rawFile(ok, data8).subarray(0, 30), /runs past the end of the file/],
    ['header length over the cap', rawFile(ok, data8, 200_000_000), /exceeds the limit/],
    ['truncated data', rawFile(ok, data8).subarray(0, 8 + ok.length + 5), /truncated/],
    ['trailing bytes', rawFile(ok, new Uint8Array(12)), /trailing bytes/],
    ['bad JSON', rawFile('{"a":{"dtype":"F32",', data8), /not valid JSON/],
    ['not an object', rawFile('[1,2]', new Uint8Array(0)), /does not start with '\{'/],
    ['invalid UTF-8', rawFile('{"\xff":1}', new Uint8Array(0)).map((b, i) => (i === 10 ? 0xff : b)), /UTF-8/],
    ['unknown dtype', rawFile('{"a":{"dtype":"F8","shape":[2],"data_offsets":[0,2]}}', new Uint8Array(2)), /tensor 'a'.*unknown dtype "F8"/],
    ['negative shape', rawFile('{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}', data8), /tensor 'a'.*shape/],
    ['wrong byte length', rawFile('{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}', data8), /tensor 'a'.*8 bytes.*expected 12/],
    ['overlapping offsets', rawFile('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', data8), /'b'.*overlaps 'a'/],
    ['gap between tensors', rawFile('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[0],"data_offsets":[6,6]}}', data8), /'b'.*gap/],
    ['reversed offsets', rawFile('{"a":{"dtype":"U8","shape":[0],"data_offsets":[8,0]}}', data8), /tensor 'a'.*data_offsets/],
    ['non-string metadata', rawFile('{"__metadata__":{"k":1}}', new Uint8Array(0)), /__metadata__\['k'\]/],
  ];
  for (const [what, bytes, message] of cases) {
    it(what, () => {
      expect(() => parseSafetensors(bytes, 'broken.safetensors')).toThrow(/^safetensors 'broken\.safetensors': /);
      expect(() => parseSafetensors(bytes, 'broken.safetensors')).toThrow(message);
    });
  }

  it('the hand-built valid file parses (the corrupt variants differ only in the defect)', () => {
    expect(toFloat32(entry(parseSafetensors(rawFile(ok, data8), 'ok'), 'a'))).toEqual(new Float32Array(2));
  });
});
