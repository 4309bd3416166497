// Dataset parsing: formats, errors that name file and line, seeded split, area resampling.
import { describe, expect, it } from 'vitest';
import { parseCsv } from './csv';
import { parseCausalLm, parseTextClassification, packTokens } from './text';
import { trainValidationSplit } from './split';
import { resizeArea, toPixels } from './image';
import { parseImageTensors, serializeImageTensors } from './tensors';
import type { ImageClassificationData } from './dataset';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('CSV / JSONL text classification', () => {
  it('parses quoted fields with commas, quotes and newlines, keeping record lines', () => {
    const t = parseCsv('text,label\n"a, ""b""\nc",pos\nplain,neg\n', 'x.csv');
    expect(t.records).toEqual([{ line: 2, fields: ['a, "b"\nc', 'pos'] }, { line: 4, fields: ['plain', 'neg'] }]);
    const d = parseTextClassification(enc('text,label\nx,pos\ny,neg\nz,pos\n'), 'x.csv', 'csv');
    expect(d.classNames).toEqual(['neg', 'pos']);
    expect([...d.labels]).toEqual([1, 0, 1]);
  });

  it('names the file and line of a corrupt record', () => {
    expect(() => parseTextClassification(enc('text,label\nok,pos\nbad,pos,extra\n'), 'data/train.csv', 'csv')).toThrow('data/train.csv:3: expected 2 fields (text, label), found 3');
    expect(() => parseTextClassification(enc('text,label\n"never closed,pos\n'), 'q.csv', 'csv')).toThrow('q.csv:2: unterminated quoted field');
    expect(() => parseTextClassification(enc('{"text":"a","label":"x"}\n\n{"text": "b", label}\n'), 'train.jsonl', 'jsonl')).toThrow(/^train\.jsonl:3: invalid JSON/);
    expect(() => parseTextClassification(enc('{"text":"a","label":"x"}\n{"txt":"b","label":"y"}\n'), 't.jsonl', 'jsonl')).toThrow("t.jsonl:2: field 'text' must be a string");
    expect(() => parseTextClassification(enc('text,label\na,x\n'), 'v.csv', 'csv', undefined, ['y'])).toThrow("v.csv:2: unknown label 'x' (labels: y)");
    expect(() => parseCausalLm(new Uint8Array([0x61, 0x0a, 0xff, 0xfe]), 'lm.txt', 'text')).toThrow('lm.txt:2: invalid UTF-8');
  });

  it('numeric labels keep numeric order; causal-LM text splits on blank lines and packs blocks', () => {
    expect(parseTextClassification(enc('{"text":"a","label":10}\n{"text":"b","label":2}\n'), 'n.jsonl', 'jsonl').classNames).toEqual(['2', '10']);
    expect(parseCausalLm(enc('one\ntwo\n\n\nthree\n'), 'lm.txt', 'text').docs).toEqual(['one\ntwo', 'three']);
    const p = packTokens([[1, 2, 3], [4, 5]], 2, 0);
    expect({ ids: [...p.ids], n: p.n }).toEqual({ ids: [1, 2, 3, 0, 4, 5], n: 3 });
  });
});

describe('train/validation split', () => {
  it('is seeded, disjoint and complete', () => {
    const a = trainValidationSplit(100, 0.25, 7);
    expect(trainValidationSplit(100, 0.25, 7)).toEqual(a);
    expect(trainValidationSplit(100, 0.25, 8).validation).not.toEqual(a.validation);
    expect(a.validation.length).toBe(25);
    expect(new Set([...a.train, ...a.validation]).size).toBe(100);
    expect(() => trainValidationSplit(10, 1.5, 0)).toThrow('validation_split=1.5 must be in (0, 1)');
  });
});

describe('area resampling', () => {
  it('averages exact cells when shrinking by an integer factor and keeps the mean for fractional ones', () => {
    const src = Float64Array.from({ length: 16 }, (_, i) => i); // 4×4
    expect([...resizeArea(src, 4, 4, 2, 2)]).toEqual([2.5, 4.5, 10.5, 12.5]);
    const frac = resizeArea(src, 4, 4, 3, 3);
    const mean = (a: Float64Array): number => a.reduce((s, v) => s + v, 0) / a.length;
    expect(Math.abs(mean(frac) - mean(src))).toBeLessThan(1e-12);
    expect([...resizeArea(src, 4, 4, 4, 4)]).toEqual([...src]);
  });

  it('converts RGB to ITU-R 601 gray in [0, 1]', () => {
    const px = toPixels({ width: 1, height: 1, channels: 3, data: new Uint8Array([255, 0, 0]) }, { channels: 1, height: 1, width: 1 });
    expect(px[0]).toBeCloseTo(0.299, 6);
  });
});

describe('image tensors file', () => {
  const d: ImageClassificationData = { kind: 'image-classification', pixels: Float32Array.from([0, 0.5, 1, 0.25]), shape: [1, 1, 2], labels: Int32Array.from([1, 0]), classNames: ['a', 'b'] };

  it('round-trips exactly', () => {
    expect(parseImageTensors(serializeImageTensors(d), 'd.safetensors')).toEqual(d);
  });

  it('refuses out-of-range labels and corrupt bytes, naming the file', () => {
    const bad = serializeImageTensors({ ...d, labels: Int32Array.from([1, 2]) });
    expect(() => parseImageTensors(bad, 'bad.safetensors')).toThrow('bad.safetensors: labels[1]=2 is outside 0..1');
    expect(() => parseImageTensors(new Uint8Array(5), 'torn.safetensors')).toThrow(/^torn\.safetensors: /);
  });
});
