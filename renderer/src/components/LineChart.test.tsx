// LineChart's wiring to uPlot, on the real uPlot (happy-dom, inert canvas): what data uPlot is
// handed on mount, on streaming, on catch-up, on zoom, smoothing and log scale, and what the
// legend reads under the cursor. The expected values are computed here from the inputs.
import { act, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type uPlot from 'uplot';
import { LineChart, type ChartData } from './LineChart';

const plots: uPlot[] = [];

vi.mock('uplot', async (importOriginal) => {
  const real = (await importOriginal<{ default: typeof uPlot }>()).default;
  // Every instance the chart creates is recorded, so a test can read what it was given.
  function Recorded(this: unknown, ...args: ConstructorParameters<typeof uPlot>): uPlot {
    const u = new real(...args);
    plots.push(u);
    return u;
  }
  Object.assign(Recorded, real);
  return { default: Recorded };
});

afterEach(() => {
  plots.length = 0;
});

const last = (): uPlot => plots[plots.length - 1];
const xs = (u: uPlot): ArrayLike<number> => u.data[0];
const ys = (u: uPlot, line = 1): ArrayLike<number | null | undefined> => u.data[line];

/** Runs pending animation frames (the chart's catch-up) and React's updates. */
async function frames(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await act(async () => {
      await new Promise((r) => requestAnimationFrame(() => r(undefined)));
    });
  }
}

function series(n: number, f: (i: number) => number): { x: Float64Array; y: Float64Array } {
  return { x: Float64Array.from({ length: n }, (_, i) => i + 1), y: Float64Array.from({ length: n }, (_, i) => f(i)) };
}

function chart(data: () => ChartData, version = 1, controls = true): { rerender: (v: number) => void } {
  const el = (v: number) => <LineChart title="loss" testId="c" version={v} data={data} controls={controls} />;
  const view = render(el(version));
  return { rerender: (v) => view.rerender(el(v)) };
}

describe('LineChart → uPlot', () => {
  it('hands uPlot a per-pixel envelope of 100k points that keeps the ends, every extreme and the hover exact', async () => {
    const n = 100_000;
    // A sawtooth with one spike: a drawing that dropped points would lose the spike.
    const s = series(n, (i) => (i === 61_234 ? 50 : (i % 1000) / 1000));
    chart(() => ({ x: s.x, lines: [{ label: 'train', color: '#000', y: s.y }] }));
    await frames(6); // 25,000 points a frame: four frames of catch-up
    const u = last();
    const x = xs(u);
    expect(x.length).toBeLessThan(n / 10);
    expect(x[0]).toBe(1);
    expect(x[x.length - 1]).toBe(n);
    const y = Array.from(ys(u), (v) => v ?? NaN);
    expect(Math.max(...y)).toBe(50);
    expect(Math.min(...y)).toBe(0);
    // Every point given is a real point, at its own x.
    for (let k = 0; k < x.length; k += 97) expect(y[k]).toBe(s.y[x[k] - 1]);
  });

  it('converts a long history over several frames, 25,000 points per frame', async () => {
    const s = series(60_000, (i) => i);
    chart(() => ({ x: s.x, lines: [{ label: 'train', color: '#000', y: s.y }] }));
    const u = last();
    const ends = [xs(u)[xs(u).length - 1]];
    const setData = u.setData.bind(u);
    u.setData = (d, reset) => {
      ends.push(d[0][d[0].length - 1]);
      setData(d, reset);
    };
    await frames(5);
    // Each frame's data ends 25,000 points further (redraws of the same cut may repeat a value).
    expect([...new Set(ends)]).toEqual([25_000, 50_000, 60_000]);
  });

  it('streams: a version bump adds the new points and redraws the same plot', async () => {
    const x: number[] = [1, 2, 3];
    const y: number[] = [3, 2, 1];
    const c = chart(() => ({ x, lines: [{ label: 'train', color: '#000', y }] }));
    await frames(1);
    const first = last();
    x.push(4, 5);
    y.push(0.5, 0.25);
    c.rerender(2);
    await frames(1);
    expect(last()).toBe(first); // no rebuild for new data
    expect(Array.from(xs(first))).toEqual([1, 2, 3, 4, 5]);
    expect(Array.from(ys(first))).toEqual([3, 2, 1, 0.5, 0.25]);
  });

  it('smooths losses with the debiased EMA and leaves other lines raw; log scale turns ≤ 0 into gaps', async () => {
    const x = [1, 2, 3, 4];
    const loss = [4, 2, 1, 0];
    const lr = [1, 1, 0, -1];
    chart(() => ({ x, lines: [{ label: 'train', color: '#000', y: loss, smoothable: true }, { label: 'lr', color: '#111', y: lr }] }));
    await frames(1);
    fireEvent.change(screen.getByLabelText(/Smoothing/), { target: { value: '0.5' } });
    await frames(1);
    // EMA with w = 0.5, divided by 1 − w^t (computed here by hand).
    let acc = 0;
    const ema = loss.map((v, t) => ((acc = 0.5 * acc + 0.5 * v), acc / (1 - 0.5 ** (t + 1))));
    Array.from(ys(last(), 1)).forEach((v, i) => expect(v).toBeCloseTo(ema[i], 12));
    expect(Array.from(ys(last(), 2))).toEqual(lr);
    fireEvent.click(screen.getByLabelText('Log scale'));
    await frames(1);
    const u = last();
    expect(u.scales.y.distr).toBe(3);
    expect(Array.from(ys(u, 2))).toEqual([1, 1, null, null]);
  });

  it('a zoom recuts the envelope for the window (every point in it is drawn), and reset zoom restores all', async () => {
    const n = 50_000;
    const s = series(n, (i) => Math.sin(i / 7));
    chart(() => ({ x: s.x, lines: [{ label: 'train', color: '#000', y: s.y }] }));
    await frames(4);
    const u = last();
    expect(xs(u).length).toBeLessThan(n / 5);
    await act(async () => {
      u.setSelect({ left: 10, top: 0, width: 20, height: 10 }, true); // marks the chart as zoomed
      u.setScale('x', { min: 20_001, max: 20_040 });
      await Promise.resolve();
    });
    const inWindow = Array.from(xs(u)).filter((v) => v >= 20_001 && v <= 20_040);
    expect(inWindow).toEqual(Array.from({ length: 40 }, (_, i) => 20_001 + i));
    expect(xs(u)[0]).toBe(1); // the ends stay, so a double-click reset still spans the run
    expect(xs(u)[xs(u).length - 1]).toBe(n);
    fireEvent.click(screen.getByText('Reset zoom'));
    await frames(1);
    expect(xs(u).length).toBeLessThan(n / 5);
    expect(u.scales.x.min).toBe(1);
    expect(u.scales.x.max).toBe(n);
  });

  it('the legend shows the full-resolution value nearest the cursor, not an envelope point', async () => {
    const n = 20_000;
    const s = series(n, (i) => i * 0.5);
    chart(() => ({ x: s.x, lines: [{ label: 'train', color: '#000', y: s.y }] }), 1, false);
    await frames(2);
    const u = last();
    const left = u.valToPos(12_345, 'x');
    act(() => u.setCursor({ left, top: 5 }));
    const at = Math.round(u.posToVal(left, 'x'));
    const cells = Array.from(screen.getByTestId('c').querySelectorAll('.u-legend .u-value'), (e) => e.textContent);
    const fmt = new Intl.NumberFormat(navigator.language).format;
    expect(cells).toEqual([fmt(at), fmt((at - 1) * 0.5)]);
  });
});
