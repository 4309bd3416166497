// Incremental chart columns. Series only grow while a run streams, so each redraw converts
// only the points that arrived since the last one (smoothing, gaps, log-safe values) instead
// of copying 100k points per frame. A shrink (new run) or a setting change starts over.
// Values live in a Float64Array with NaN for a gap: no boxed number per point, which made the
// first catch-up of a 100k-point run mostly garbage collection; `update` gives the same
// values as the (number | null)[] uPlot takes, for callers that want that form.

export interface ColumnSettings {
  /** EMA weight on the past (0 = raw). */
  smooth: number;
  /** Log scale: values ≤ 0 become gaps. */
  log: boolean;
}

/** NaN stands for a gap (null, NaN, or ≤ 0 on a log scale). */
function clean(v: number | null | undefined, log: boolean): number {
  return v === null || v === undefined || Number.isNaN(v) || (log && v <= 0) ? NaN : v;
}

/** A growable Float64Array; `reset` bumps `generation` so array views know to start over. */
class Values {
  buf = new Float64Array(1024);
  n = 0;
  generation = 0;

  /** Room for `size` values, growing by doubling. */
  reserve(size: number): void {
    if (size <= this.buf.length) return;
    let cap = this.buf.length;
    while (cap < size) cap *= 2;
    const grown = new Float64Array(cap);
    grown.set(this.buf.subarray(0, this.n));
    this.buf = grown;
  }

  view(): Float64Array {
    return this.buf.subarray(0, this.n);
  }

  reset(): void {
    this.n = 0;
    this.generation++;
  }
}

/** The (number | null)[] form of a column, recopied per call (O(n)): for tests and small charts. */
class ArrayView {
  readonly out: (number | null)[] = [];
  private generation = -1;

  sync(v: Values): (number | null)[] {
    if (v.generation !== this.generation || v.n < this.out.length) {
      this.out.length = 0;
      this.generation = v.generation;
    }
    // Sparse columns may fill an earlier slot after the fact, so every slot is copied again.
    for (let i = 0; i < v.n; i++) {
      const x = Number.isNaN(v.buf[i]) ? null : v.buf[i];
      if (i < this.out.length) this.out[i] = x;
      else this.out.push(x);
    }
    return this.out;
  }
}

/** A dense column on the chart's x grid. */
export class DenseColumn {
  private readonly v = new Values();
  private readonly arr = new ArrayView();
  private key = '';
  private acc = 0;
  /** w^t, kept as a running product: Math.pow per point was the cost of a 100k catch-up. */
  private wt = 1;

  /**
   * The column as values with NaN gaps, extended by the points `src` gained, up to the first
   * `upTo` (a long history can be converted over several frames).
   */
  values(src: ArrayLike<number | null>, s: ColumnSettings, upTo = src.length): Float64Array {
    const key = `${s.smooth}|${s.log}`;
    if (key !== this.key || src.length < this.v.n) this.reset(key);
    const w = s.smooth;
    const end = Math.max(this.v.n, Math.min(upTo, src.length));
    this.v.reserve(end);
    const buf = this.v.buf;
    for (let i = this.v.n; i < end; i++) {
      const x = src[i];
      if (x === null || Number.isNaN(x) || w <= 0) {
        buf[i] = clean(x, s.log);
        continue;
      }
      // Debiased EMA, as smoothEma in series.ts computes it in one pass.
      this.wt *= w;
      this.acc = w * this.acc + (1 - w) * x;
      buf[i] = clean(this.acc / (1 - this.wt), s.log);
    }
    this.v.n = end;
    return this.v.view();
  }

  /** The same, as uPlot's (number | null)[]. */
  update(src: ArrayLike<number | null>, s: ColumnSettings): (number | null)[] {
    this.values(src, s);
    return this.arr.sync(this.v);
  }

  private reset(key: string): void {
    this.key = key;
    this.v.reset();
    this.acc = 0;
    this.wt = 1;
  }
}

/** Sparse points (e.g. evals) placed on the grid: a gap where the grid has no point of theirs. */
export class SparseColumn {
  private readonly v = new Values();
  private readonly arr = new ArrayView();
  private key = '';
  private used = 0;
  private gridAt = 0;

  /** The column on the first `upTo` grid points (all by default), NaN where it has no point. */
  values(grid: ArrayLike<number>, xs: ArrayLike<number>, ys: ArrayLike<number | null>, s: ColumnSettings, upTo = grid.length): Float64Array {
    const key = `${s.log}`;
    if (key !== this.key || grid.length < this.v.n || xs.length < this.used) this.reset(key);
    const g = Math.max(this.v.n, Math.min(upTo, grid.length));
    if (this.v.n < g) {
      this.v.reserve(g);
      this.v.buf.fill(NaN, this.v.n, g);
      this.v.n = g;
    }
    while (this.used < xs.length) {
      const x = xs[this.used];
      while (this.gridAt < g && grid[this.gridAt] < x) this.gridAt++;
      if (this.gridAt >= g) break; // the grid has not reached this point yet
      if (grid[this.gridAt] === x) this.v.buf[this.gridAt] = clean(ys[this.used], s.log);
      this.used++;
    }
    return this.v.view();
  }

  update(grid: ArrayLike<number>, xs: ArrayLike<number>, ys: ArrayLike<number | null>, s: ColumnSettings): (number | null)[] {
    this.values(grid, xs, ys, s);
    return this.arr.sync(this.v);
  }

  private reset(key: string): void {
    this.key = key;
    this.v.reset();
    this.used = 0;
    this.gridAt = 0;
  }
}
