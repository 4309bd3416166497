import { describe, expect, it } from 'vitest';
import { envelopeIndices, nearestIndex, pixelColumn } from './chart-cache-envelope';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

/** Irregular sorted x (repeats allowed); a noisy loss with gap runs, a sparse eval line, a steady one. */
function data(n: number, seed: number): { xs: Float64Array; lines: Float64Array[] } {
  const r = rng(seed);
  const xs = new Float64Array(n);
  const loss = new Float64Array(n);
  const evals = new Float64Array(n).fill(NaN);
  const lr = new Float64Array(n);
  let gapLeft = 0;
  for (let i = 0; i < n; i++) {
    xs[i] = i === 0 ? 3 : xs[i - 1] + (r() < 0.05 ? 0 : r() * 2);
    if (gapLeft === 0 && r() < 0.003) gapLeft = 1 + Math.floor(r() * 40);
    loss[i] = gapLeft > 0 ? NaN : Math.exp(-i / 2000) + 0.3 * (r() - 0.5);
    if (gapLeft > 0) gapLeft--;
    if (i % 97 === 5) evals[i] = r();
    lr[i] = 1e-3 * Math.min(1, i / 500);
  }
  return { xs, lines: [loss, evals, lr] };
}

/** The raw points drawn for [lo, hi]: those inside plus the nearest one outside on each side. */
function drawnRange(xs: Float64Array, lo: number, hi: number): [number, number] {
  let a = 0;
  while (a < xs.length && xs[a] < lo) a++;
  let b = xs.length - 1;
  while (b >= 0 && xs[b] > hi) b--;
  return [Math.max(0, a - 1), Math.min(xs.length - 1, b + 1)];
}

function check(xs: Float64Array, lines: Float64Array[], lo: number, hi: number, width: number): Int32Array {
  const kept = envelopeIndices(xs, lines, lo, hi, width);
  for (let k = 1; k < kept.length; k++) expect(kept[k]).toBeGreaterThan(kept[k - 1]);
  const [a, b] = drawnRange(xs, lo, hi);
  expect(kept[0]).toBe(a);
  expect(kept[kept.length - 1]).toBe(b);
  const keptSet = new Set(kept);
  // Brute force, column by column: first, last, and each line's min and max over all raw points.
  const cols = new Map<number, number[]>();
  for (let i = a; i <= b; i++) {
    const c = pixelColumn(xs[i], lo, hi, width);
    const m = cols.get(c);
    if (m) m.push(i);
    else cols.set(c, [i]);
  }
  for (const members of cols.values()) {
    expect(keptSet.has(members[0])).toBe(true);
    expect(keptSet.has(members[members.length - 1])).toBe(true);
    for (const y of lines) {
      const raw = members.map((i) => y[i]).filter((v) => !Number.isNaN(v));
      const shown = members.filter((i) => keptSet.has(i)).map((i) => y[i]).filter((v) => !Number.isNaN(v));
      expect(shown.length > 0).toBe(raw.length > 0);
      if (raw.length === 0) continue;
      expect(shown.reduce((p, v) => Math.min(p, v))).toBe(raw.reduce((p, v) => Math.min(p, v)));
      expect(shown.reduce((p, v) => Math.max(p, v))).toBe(raw.reduce((p, v) => Math.max(p, v)));
    }
  }
  // Gaps survive: both sides of every gap edge are kept, so between two kept points that both
  // have a value the raw line has no gap, and each stretch of line runs to its last point.
  const bad: string[] = [];
  lines.forEach((y, l) => {
    for (let i = a + 1; i <= b; i++) if (Number.isNaN(y[i]) !== Number.isNaN(y[i - 1]) && !(keptSet.has(i - 1) && keptSet.has(i))) bad.push(`line ${l} edge ${i}`);
    for (let k = 1; k < kept.length; k++) {
      const [p, q] = [kept[k - 1], kept[k]];
      if (Number.isNaN(y[p]) || Number.isNaN(y[q])) continue;
      for (let i = p + 1; i < q; i++) if (Number.isNaN(y[i])) bad.push(`line ${l} gap at ${i} bridged`);
    }
  });
  expect(bad).toEqual([]);
  return kept;
}

describe('envelopeIndices (checked against a brute-force per-column min/max)', () => {
  const { xs, lines } = data(20_000, 7);
  const last = xs[xs.length - 1];

  it('keeps every column extreme, first and last point and gap edge of the full range, from far fewer points', () => {
    for (const width of [1, 37, 600]) {
      const kept = check(xs, lines, xs[0], last, width);
      expect(kept.length).toBeLessThan(xs.length / 2);
    }
  });

  it('recomputed for a zoomed range (fractional bounds), with the neighbours outside it', () => {
    check(xs, lines, last * 0.3137, last * 0.33, 600);
    check(xs, lines, last * 0.5, last * 0.5 + 3, 200);
  });

  it('zoomed in past one point per column, keeps every point in range', () => {
    const lo = xs[1000];
    const hi = xs[1030];
    const kept = envelopeIndices(xs, lines, lo, hi, 4000);
    const [a, b] = drawnRange(xs, lo, hi);
    expect([...kept]).toEqual(Array.from({ length: b - a + 1 }, (_, k) => a + k));
  });

  it('handles empty input, one point, and a range outside the data', () => {
    expect(envelopeIndices(new Float64Array(0), [], 0, 1, 100).length).toBe(0);
    expect([...envelopeIndices(Float64Array.of(5), [Float64Array.of(1)], 5, 5, 100)]).toEqual([0]);
    check(xs, lines, last + 10, last + 20, 100);
    check(xs, lines, -20, -10, 100);
  });
});

describe('nearestIndex (hover reads the raw point nearest the cursor)', () => {
  it('equals a linear scan for the nearest x, ties to the earlier point', () => {
    const { xs } = data(3000, 5);
    const r = rng(9);
    for (let k = 0; k < 500; k++) {
      const v = xs[0] - 5 + r() * (xs[xs.length - 1] - xs[0] + 10);
      let best = 0;
      for (let i = 1; i < xs.length; i++) if (Math.abs(xs[i] - v) < Math.abs(xs[best] - v)) best = i;
      // Repeated x values: any index holding the nearest x is as near; the scan keeps the first.
      expect(xs[nearestIndex(xs, v)]).toBe(xs[best]);
    }
    expect(nearestIndex(Float64Array.of(1, 3), 2)).toBe(0);
    expect(nearestIndex(new Float64Array(0), 2)).toBe(-1);
  });
});
