import { describe, expect, it } from 'vitest';
import { alignTo, formatEta, Series, smoothEma } from './series';

describe('Series', () => {
  it('grows past its capacity without losing points', () => {
    const s = new Series(2);
    for (let i = 0; i < 1000; i++) s.push(i, i * i);
    expect(s.length).toBe(1000);
    expect(s.x()[999]).toBe(999);
    expect(s.y()[500]).toBe(250_000);
    expect(s.last()).toBe(999 * 999);
  });
});

describe('smoothEma', () => {
  it('equals the debiased EMA computed in float64 by hand', () => {
    const ys = [4, 2, 8, 6];
    const w = 0.6;
    // a1 = 0.4·4 = 1.6 → 1.6/0.4 = 4; a2 = 0.6·1.6 + 0.4·2 = 1.76 → 1.76/0.64 = 2.75
    const out = smoothEma(ys, w);
    expect(out[0]).toBeCloseTo(4, 12);
    expect(out[1]).toBeCloseTo(2.75, 12);
    let acc = 0;
    ys.forEach((y, t) => {
      acc = w * acc + (1 - w) * y;
      expect(out[t]).toBeCloseTo(acc / (1 - w ** (t + 1)), 12);
    });
  });

  it('passes NaN (a diverged step) through without poisoning later points', () => {
    const out = smoothEma([1, NaN, 1], 0.5);
    expect(Number.isNaN(out[1])).toBe(true);
    expect(out[2]).toBeCloseTo(1, 12);
  });

  it('is the identity at weight 0', () => {
    expect([...smoothEma([3, 1, 2], 0)]).toEqual([3, 1, 2]);
  });
});

describe('helpers', () => {
  it('aligns sparse eval points onto the step grid', () => {
    expect(alignTo([1, 2, 3, 4], [2, 4], [0.5, 0.25])).toEqual([null, 0.5, null, 0.25]);
  });
  it('formats an ETA', () => {
    expect(formatEta(3725)).toBe('1:02:05');
    expect(formatEta(NaN)).toBe('—');
  });
});
