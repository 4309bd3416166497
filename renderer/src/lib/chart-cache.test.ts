import { describe, expect, it } from 'vitest';
import { DenseColumn, SparseColumn } from './chart-cache';
import { alignTo, smoothEma } from './series';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

describe('DenseColumn', () => {
  it('extended in random chunks equals smoothing the whole series at once (float64 reference)', () => {
    const r = rng(3);
    const ys: number[] = [];
    const col = new DenseColumn();
    for (let chunk = 0; chunk < 50; chunk++) {
      const k = Math.floor(r() * 40);
      for (let i = 0; i < k; i++) ys.push(r() < 0.02 ? NaN : 0.1 + r());
      const out = col.update(ys, { smooth: 0.8, log: false });
      const ref = smoothEma(ys, 0.8);
      expect(out.length).toBe(ys.length);
      out.forEach((v, i) => (Number.isNaN(ref[i]) ? expect(v).toBeNull() : expect(Math.abs((v ?? NaN) - ref[i])).toBeLessThanOrEqual(1e-12 * Math.abs(ref[i]))));
    }
  });

  it('starts over on a new run (shorter source) or a new setting; log turns ≤ 0 into gaps', () => {
    const col = new DenseColumn();
    col.update([1, 2, 3], { smooth: 0, log: false });
    expect(col.update([5], { smooth: 0, log: false })).toEqual([5]);
    expect(col.update([5, -1, 0, 2], { smooth: 0, log: true })).toEqual([5, null, null, 2]);
  });
});

describe('SparseColumn', () => {
  it('equals alignTo on every prefix as grid and points grow', () => {
    const grid: number[] = [];
    const xs: number[] = [];
    const ys: number[] = [];
    const col = new SparseColumn();
    for (let step = 1; step <= 300; step++) {
      grid.push(step);
      if (step % 7 === 0) {
        xs.push(step);
        ys.push(step / 10);
      }
      // Eval points can arrive a little before the step that matches them.
      if (step % 50 === 0) {
        xs.push(step + 1);
        ys.push(-1);
      }
      const out = col.update(grid, xs, ys, { smooth: 0, log: false });
      expect(out).toEqual(alignTo(grid, xs, ys));
    }
  });
});
