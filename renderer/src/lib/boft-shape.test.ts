import { describe, expect, it } from 'vitest';
import fixture from './fixtures/peft-boft-shapes.json';
import { adapterFileBytes, nearestValidBlockSizes, optionsWithinBudget, resolveShape, totalParams, validBlockSizes } from './boft-shape';

interface Case { d: number; out: number; b: number; k: number; m: number; ok: boolean; R?: number[]; s?: number[]; params?: number }

describe('resolveShape against PEFT 0.21 (golden fixture, 576 layer constructions)', () => {
  it('accepts exactly what PEFT accepts, with the same boft_R / boft_s shapes and parameter count', () => {
    const cases = fixture.cases as Case[];
    expect(cases.length).toBe(576);
    for (const c of cases) {
      const r = resolveShape(c.d, c.out, { blockSize: c.b, blockNum: c.k, factors: c.m });
      const label = `d=${c.d} b=${c.b} k=${c.k} m=${c.m}`;
      expect(r.ok, label).toBe(c.ok);
      if (r.ok && c.R && c.params !== undefined) {
        expect([r.factors, r.blockNum, r.blockSize, r.blockSize], label).toEqual(c.R);
        expect(r.params, label).toBe(c.params);
      }
    }
  });

  it('explains a refusal with the values given', () => {
    const r = resolveShape(768, 768, { blockSize: 5, blockNum: 0, factors: 1 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain('768 inputs are not divisible by block size 5');
  });
});

describe('suggestions and the budget helper', () => {
  it('lists only block sizes that resolve, nearest first in log scale', () => {
    expect(validBlockSizes(12, 1)).toEqual([1, 2, 3, 4, 6, 12]);
    expect(validBlockSizes(12, 2)).toEqual([2, 6]);
    expect(nearestValidBlockSizes(768, 1, 5)).toEqual([6, 4, 8]);
  });

  it('returns every pair under budget valid for all layers, largest first, and totals them exactly', () => {
    const layers = [{ path: 'a', d: 16, out: 16 }, { path: 'b', d: 24, out: 8 }];
    const opts = optionsWithinBudget(layers, 400, 3);
    for (const o of opts) {
      const t = totalParams(layers, { blockSize: o.blockSize, blockNum: 0, factors: o.factors });
      expect(t).toBe(o.params);
      expect(o.params).toBeLessThanOrEqual(400);
    }
    // Hand count: b=2, m=1 → 16·2 + 16 + 24·2 + 8 = 104; b=4, m=2 → 2·16·4 + 16 + 2·24·4 + 8 = 344.
    expect(opts.map((o) => [o.blockSize, o.factors, o.params])).toContainEqual([2, 1, 104]);
    expect(opts.map((o) => [o.blockSize, o.factors, o.params])).toContainEqual([4, 2, 344]);
    // 16 does not divide 24, so b=16 fits layer a but not layer b.
    expect(opts.some((o) => o.blockSize === 16)).toBe(false);
    // b=6 fits 24 but not 16.
    expect(opts.some((o) => o.blockSize === 6)).toBe(false);
    expect(opts.map((o) => o.params)).toEqual([...opts.map((o) => o.params)].sort((x, y) => y - x));
  });
});

describe('adapter size on disk against files PEFT 0.21 wrote', () => {
  it('matches adapter_model.safetensors byte for byte in length', () => {
    for (const s of fixture.sizes) {
      expect(adapterFileBytes(s.layers, { blockSize: s.b, blockNum: 0, factors: 1 })).toBe(s.bytes);
    }
  });
});
