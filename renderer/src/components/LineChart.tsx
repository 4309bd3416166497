// A uPlot line chart fed from append-only series. It redraws when `version` changes (the
// store bumps it at most once a frame), keeps the user's zoom while data streams in, and
// offers smoothing, log scale, drag-to-zoom with reset, and values under the cursor. uPlot
// draws a per-pixel envelope of the points (exact to the pixel, recut on zoom); the legend
// reads the full-resolution columns.
import { useEffect, useId, useRef, useState } from 'react';
import uPlot from 'uplot';
import { DenseColumn, SparseColumn } from '../lib/chart-cache';
import { envelopeIndices, nearestIndex } from '../lib/chart-cache-envelope';

export interface ChartLine {
  label: string;
  color: string;
  /** Values on the shared x grid; null or NaN is a gap. */
  y?: ArrayLike<number | null>;
  /** Or points of their own (e.g. evals), placed where the grid has the same x. */
  sparse?: { x: ArrayLike<number>; y: ArrayLike<number | null> };
  /** Smoothing applies to lines marked smoothable (losses), never to lr or ETA. */
  smoothable?: boolean;
}

export interface ChartData {
  /** Sorted, append-only while a run streams. */
  x: ArrayLike<number>;
  lines: ChartLine[];
}

interface Props {
  title: string;
  testId: string;
  version: number;
  data: () => ChartData;
  height?: number;
  /** Offer the smoothing slider and log toggle. */
  controls?: boolean;
  yLabel?: string;
}

type Column = DenseColumn | SparseColumn;

/** Every point of every line, smoothed and cleaned (NaN = gap); hover reads these. */
interface Raw { x: ArrayLike<number>; ys: Float64Array[] }

/** Points converted per frame when a long history arrives at once (a run restored, a compare). */
const CATCH_UP = 25_000;

function prefix(a: ArrayLike<number>, n: number): ArrayLike<number> {
  if (a.length === n) return a;
  return a instanceof Float64Array ? a.subarray(0, n) : Array.from({ length: n }, (_, i) => a[i]);
}

/** Converts only the points added since the last frame (see chart-cache.ts), the first `upTo`. */
function rawColumns(d: ChartData, columns: Column[], smooth: number, log: boolean, upTo: number): Raw {
  const ys = d.lines.map((l, i) => {
    const settings = { smooth: l.smoothable ? smooth : 0, log };
    const col = columns[i];
    if (l.sparse && col instanceof SparseColumn) return col.values(d.x, l.sparse.x, l.sparse.y, settings, upTo);
    if (col instanceof DenseColumn) return col.values(l.y ?? [], settings, upTo);
    return new Float64Array(upTo).fill(NaN);
  });
  return { x: prefix(d.x, upTo), ys };
}

/**
 * Adds the first and last point when a zoom window left them out: uPlot's reset (double
 * click) fits x to the data it holds, which must still span the whole run. Off-window points
 * are clipped, and y fits only the points in the window, so the picture is unchanged.
 */
function withEnds(keep: Int32Array, n: number): Int32Array {
  if (n === 0 || (keep[0] === 0 && keep[keep.length - 1] === n - 1)) return keep;
  if (keep.length === 0) return n === 1 ? Int32Array.of(0) : Int32Array.of(0, n - 1);
  const head = keep[0] === 0 ? [] : [0];
  const tail = keep.length > 0 && keep[keep.length - 1] === n - 1 ? [] : [n - 1];
  return Int32Array.from([...head, ...keep, ...tail]);
}

/**
 * What uPlot is given: the raw points that make each pixel column of [lo, hi] look exactly as
 * all of them would (chart-cache-envelope.ts), a few thousand instead of 100k.
 */
function envelopeData(raw: Raw, lo: number, hi: number, width: number): uPlot.AlignedData {
  const keep = withEnds(envelopeIndices(raw.x, raw.ys, lo, hi, width), raw.x.length);
  const x = new Float64Array(keep.length);
  for (let k = 0; k < keep.length; k++) x[k] = raw.x[keep[k]];
  const ys = raw.ys.map((y) => {
    const out = new Array<number | null>(keep.length);
    for (let k = 0; k < keep.length; k++) {
      const v = y[keep[k]];
      out[k] = Number.isNaN(v) ? null : v;
    }
    return out;
  });
  return [x, ...ys] as uPlot.AlignedData;
}

/** The raw point nearest the cursor, or −1 (the drawn points are a subset; hover is exact). */
function rawIndexAtCursor(u: uPlot, x: ArrayLike<number>): number {
  const left = u.cursor.left;
  if (left === undefined || left < 0 || x.length === 0) return -1;
  return nearestIndex(x, u.posToVal(left, 'x'));
}

/** The plot area's width in device pixels; 0 while it has none (a hidden tab): one column. */
function plotWidth(u: uPlot): number {
  const w = u.bbox.width;
  return Number.isFinite(w) && w > 0 ? w : 0;
}

const columnsFor = (lines: ChartLine[]): Column[] => lines.map((l) => (l.sparse ? new SparseColumn() : new DenseColumn()));

interface Hooks {
  onZoom(zoomed: boolean): void;
  onScaleX(u: uPlot): void;
  raw(): Raw;
}

function options(p: Props, lines: ChartLine[], log: boolean, width: number, h: Hooks): uPlot.Options {
  const fmt = new Intl.NumberFormat(navigator.language).format;
  // Legend values come from the raw columns at the cursor, never from the envelope's points.
  const value = (u: uPlot, _v: unknown, si: number, idx: number | null): string => {
    const raw = h.raw();
    const r = idx === null ? -1 : rawIndexAtCursor(u, raw.x);
    const v = r < 0 ? NaN : si === 0 ? raw.x[r] : raw.ys[si - 1][r];
    return Number.isNaN(v) ? '--' : fmt(v);
  };
  return {
    width, height: p.height ?? 180, title: undefined,
    scales: { x: { time: false }, y: log ? { distr: 3 } : {} },
    axes: [{ label: 'step' }, { label: p.yLabel, size: 60 }],
    series: [{ label: 'step', value }, ...lines.map((l) => ({ label: l.label, stroke: l.color, width: 1.5, spanGaps: l.label.startsWith('eval'), value }))],
    cursor: { drag: { x: true, y: false } },
    legend: { live: true },
    hooks: { setSelect: [(u: uPlot) => h.onZoom(u.select.width > 0)], setScale: [(u: uPlot, key: string) => key === 'x' && h.onScaleX(u)] },
  };
}

export function LineChart(p: Props) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const columns = useRef<Column[]>([]);
  const raw = useRef<Raw>({ x: [], ys: [] });
  /** The x range and width the data given to uPlot was cut for. */
  const drawn = useRef({ lo: NaN, hi: NaN, width: NaN });
  const zoomed = useRef(false);
  const [smooth, setSmooth] = useState(0.6);
  const [log, setLog] = useState(false);
  const [catchUp, setCatchUp] = useState(0);
  const id = useId();
  const labels = p.data().lines.map((l) => l.label).join('|');

  /** The x range to cut the envelope for: the zoom window, else all the data. */
  const range = (u: uPlot | null): [number, number] => {
    const { min, max } = u?.scales.x ?? {};
    if (zoomed.current && min !== undefined && max !== undefined) return [min, max];
    const x = raw.current.x;
    return x.length > 0 ? [x[0], x[x.length - 1]] : [0, 1];
  };
  const cut = (u: uPlot | null, width: number): uPlot.AlignedData => {
    const [lo, hi] = range(u);
    drawn.current = { lo, hi, width };
    return envelopeData(raw.current, lo, hi, width);
  };
  const redraw = (u: uPlot, resetScales: boolean): void => u.setData(cut(u, plotWidth(u)), resetScales);
  /** A zoom, pan or resize: recut for the new window so that zooming in shows every point. */
  const onScaleX = (u: uPlot): void => queueMicrotask(() => {
    const [lo, hi] = range(u);
    const d = drawn.current;
    // Object.is: a NaN bound or width must compare equal to itself, or this would never settle.
    if (plot.current !== u || (Object.is(lo, d.lo) && Object.is(hi, d.hi) && Object.is(plotWidth(u), d.width))) return;
    // Not zoomed (a new width): recut all of it and let uPlot fit the scales as usual.
    if (!zoomed.current || !(hi > lo)) return redraw(u, !zoomed.current);
    // setData(…, false) keeps the scales but draws nothing; setting the same x range redraws
    // and fits y to the recut points (this hook fires again, finds the cut current, stops).
    redraw(u, false);
    u.setScale('x', { min: lo, max: hi });
  });

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const d = p.data();
    columns.current = columnsFor(d.lines);
    // Empty at first: the data effect below (same commit) converts and draws it.
    raw.current = { x: [], ys: d.lines.map(() => new Float64Array(0)) };
    zoomed.current = false;
    const hooks: Hooks = { onZoom: (z) => (zoomed.current = z), onScaleX, raw: () => raw.current };
    const cssWidth = Math.max(el.clientWidth, 200);
    // The plot area is narrower than the host; recut once uPlot has laid it out (bbox).
    const u = new uPlot(options(p, d.lines, log, cssWidth, hooks), cut(null, Math.round(cssWidth * devicePixelRatio)), el);
    plot.current = u;
    redraw(u, true);
    const ro = new ResizeObserver(() => {
      u.setSize({ width: Math.max(el.clientWidth, 200), height: p.height ?? 180 });
      // Recut for the new width: in full, or (zoomed) for the same window, redrawn.
      if (zoomed.current) onScaleX(u);
      else redraw(u, true);
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
    // Rebuilt only when the scale kind or the set of lines changes; data flows through setData.
  }, [log, labels]);

  useEffect(() => {
    const d = p.data();
    // At most CATCH_UP new points a frame: a 100k-point history shows up over a few frames
    // instead of costing one long one; streaming adds far fewer per frame.
    const upTo = Math.min(d.x.length, raw.current.x.length + CATCH_UP);
    raw.current = rawColumns(d, columns.current, smooth, log, upTo);
    if (plot.current) redraw(plot.current, !zoomed.current);
    if (upTo === d.x.length) return;
    const frame = requestAnimationFrame(() => setCatchUp((c) => c + 1));
    return () => cancelAnimationFrame(frame);
  }, [p.version, smooth, log, labels, catchUp]);

  const resetZoom = (): void => {
    zoomed.current = false;
    if (plot.current) redraw(plot.current, true);
  };

  return (
    <figure className="chart" data-testid={p.testId} aria-labelledby={`${id}-t`}>
      <figcaption id={`${id}-t`}>{p.title}</figcaption>
      {p.controls ? (
        <div className="chart-controls">
          <label htmlFor={`${id}-s`}>Smoothing {smooth.toFixed(2)}</label>
          <input id={`${id}-s`} type="range" min={0} max={0.99} step={0.01} value={smooth} onChange={(e) => setSmooth(Number(e.target.value))} />
          <input id={`${id}-l`} type="checkbox" checked={log} onChange={(e) => setLog(e.target.checked)} />
          <label htmlFor={`${id}-l`}>Log scale</label>
          <button type="button" onClick={resetZoom}>Reset zoom</button>
        </div>
      ) : null}
      <div ref={host} className="chart-host" />
    </figure>
  );
}
