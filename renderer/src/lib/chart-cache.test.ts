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

describe('typed values (NaN for a gap)', () => {
  it('equal the array form slot for slot, for dense and sparse columns, as they grow', () => {
    const r = rng(11);
    const ys: number[] = [];
    const grid: number[] = [];
    const ex: number[] = [];
    const ey: number[] = [];
    const [d1, d2, s1, s2] = [new DenseColumn(), new DenseColumn(), new SparseColumn(), new SparseColumn()];
    for (let step = 0; step < 400; step++) {
      grid.push(step);
      ys.push(r() < 0.05 ? NaN : r() - 0.2);
      if (step % 9 === 0) {
        ex.push(step);
        ey.push(r() - 0.2);
      }
      const s = { smooth: 0.7, log: step > 200 };
      const asNull = (v: Float64Array): (number | null)[] => Array.from(v, (x) => (Number.isNaN(x) ? null : x));
      expect(asNull(d1.values(ys, s))).toEqual(d2.update(ys, s));
      expect(asNull(s1.values(grid, ex, ey, s))).toEqual(s2.update(grid, ex, ey, s));
    }
  });
});

describe('conversion in chunks (upTo), as a chart catches up on a long history over frames', () => {
  it('gives prefixes of the one-go conversion, then all of it', () => {
    const r = rng(5);
    const grid = Array.from({ length: 1000 }, (_, i) => i);
    const ys = grid.map(() => (r() < 0.03 ? NaN : r()));
    const ex = grid.filter((i) => i % 13 === 0);
    const ey = ex.map(() => r());
    const s = { smooth: 0.9, log: false };
    const denseAll = new DenseColumn().values(ys, s);
    const sparseAll = new SparseColumn().values(grid, ex, ey, s);
    const [dense, sparse] = [new DenseColumn(), new SparseColumn()];
    for (let upTo = 0; upTo <= 1000; upTo += 137) {
      expect([...dense.values(ys, s, upTo)]).toEqual([...denseAll.subarray(0, upTo)]);
      expect([...sparse.values(grid, ex, ey, s, upTo)]).toEqual([...sparseAll.subarray(0, upTo)]);
    }
    expect([...dense.values(ys, s)]).toEqual([...denseAll]);
    expect([...sparse.values(grid, ex, ey, s)]).toEqual([...sparseAll]);
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
