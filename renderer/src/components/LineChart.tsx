// A uPlot line chart fed from append-only series. It redraws when `version` changes (the
// store bumps it at most once a frame), keeps the user's zoom while data streams in, and
// offers smoothing, log scale, drag-to-zoom with reset, and values under the cursor.
import { useEffect, useId, useRef, useState } from 'react';
import uPlot from 'uplot';
import { DenseColumn, SparseColumn } from '../lib/chart-cache';

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

/** Converts only the points added since the last frame (see chart-cache.ts). */
function prepare(d: ChartData, columns: Column[], smooth: number, log: boolean): uPlot.AlignedData {
  const ys = d.lines.map((l, i) => {
    const settings = { smooth: l.smoothable ? smooth : 0, log };
    const col = columns[i];
    if (l.sparse && col instanceof SparseColumn) return col.update(d.x, l.sparse.x, l.sparse.y, settings);
    if (col instanceof DenseColumn) return col.update(l.y ?? [], settings);
    return [];
  });
  return [d.x, ...ys] as uPlot.AlignedData;
}

const columnsFor = (lines: ChartLine[]): Column[] => lines.map((l) => (l.sparse ? new SparseColumn() : new DenseColumn()));

function options(p: Props, lines: ChartLine[], log: boolean, width: number, onZoom: (zoomed: boolean) => void): uPlot.Options {
  return {
    width, height: p.height ?? 180, title: undefined,
    scales: { x: { time: false }, y: log ? { distr: 3 } : {} },
    axes: [{ label: 'step' }, { label: p.yLabel, size: 60 }],
    series: [{ label: 'step' }, ...lines.map((l) => ({ label: l.label, stroke: l.color, width: 1.5, spanGaps: l.label.startsWith('eval') }))],
    cursor: { drag: { x: true, y: false } },
    legend: { live: true },
    hooks: { setSelect: [(u: uPlot) => onZoom(u.select.width > 0)] },
  };
}

export function LineChart(p: Props) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const columns = useRef<Column[]>([]);
  const zoomed = useRef(false);
  const [smooth, setSmooth] = useState(0.6);
  const [log, setLog] = useState(false);
  const id = useId();
  const labels = p.data().lines.map((l) => l.label).join('|');

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const d = p.data();
    columns.current = columnsFor(d.lines);
    const u = new uPlot(options(p, d.lines, log, Math.max(el.clientWidth, 200), (z) => (zoomed.current = z)), prepare(d, columns.current, smooth, log), el);
    plot.current = u;
    zoomed.current = false;
    const ro = new ResizeObserver(() => u.setSize({ width: Math.max(el.clientWidth, 200), height: p.height ?? 180 }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
    // Rebuilt only when the scale kind or the set of lines changes; data flows through setData.
  }, [log, labels]);

  useEffect(() => {
    plot.current?.setData(prepare(p.data(), columns.current, smooth, log), !zoomed.current);
  }, [p.version, smooth]);

  const resetZoom = (): void => {
    zoomed.current = false;
    plot.current?.setData(prepare(p.data(), columns.current, smooth, log), true);
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
