// Incremental chart columns. Series only grow while a run streams, so each redraw converts
// only the points that arrived since the last one (smoothing, gaps, log-safe values) instead
// of copying 100k points per frame. A shrink (new run) or a setting change starts over.

export interface ColumnSettings {
  /** EMA weight on the past (0 = raw). */
  smooth: number;
  /** Log scale: values ≤ 0 become gaps. */
  log: boolean;
}

function clean(v: number | null | undefined, log: boolean): number | null {
  return v === null || v === undefined || Number.isNaN(v) || (log && v <= 0) ? null : v;
}

/** A dense column on the chart's x grid. */
export class DenseColumn {
  readonly out: (number | null)[] = [];
  private key = '';
  private acc = 0;
  /** w^t, kept as a running product: Math.pow per point was the cost of a 100k catch-up. */
  private wt = 1;

  update(src: ArrayLike<number | null>, s: ColumnSettings): (number | null)[] {
    const key = `${s.smooth}|${s.log}`;
    if (key !== this.key || src.length < this.out.length) this.reset(key);
    const w = s.smooth;
    const out = this.out;
    for (let i = out.length; i < src.length; i++) {
      const v = src[i];
      if (v === null || Number.isNaN(v) || w <= 0) {
        out.push(clean(v, s.log));
        continue;
      }
      // Debiased EMA, as smoothEma in series.ts computes it in one pass.
      this.wt *= w;
      this.acc = w * this.acc + (1 - w) * v;
      out.push(clean(this.acc / (1 - this.wt), s.log));
    }
    return out;
  }

  private reset(key: string): void {
    this.key = key;
    this.out.length = 0;
    this.acc = 0;
    this.wt = 1;
  }
}

/** Sparse points (e.g. evals) placed on the grid: null where the grid has no point of theirs. */
export class SparseColumn {
  readonly out: (number | null)[] = [];
  private key = '';
  private used = 0;
  private gridAt = 0;

  update(grid: ArrayLike<number>, xs: ArrayLike<number>, ys: ArrayLike<number | null>, s: ColumnSettings): (number | null)[] {
    const key = `${s.log}`;
    if (key !== this.key || grid.length < this.out.length || xs.length < this.used) this.reset(key);
    while (this.out.length < grid.length) this.out.push(null);
    while (this.used < xs.length) {
      const x = xs[this.used];
      while (this.gridAt < grid.length && grid[this.gridAt] < x) this.gridAt++;
      if (this.gridAt >= grid.length) break; // the grid has not reached this point yet
      if (grid[this.gridAt] === x) this.out[this.gridAt] = clean(ys[this.used], s.log);
      this.used++;
    }
    return this.out;
  }

  private reset(key: string): void {
    this.key = key;
    this.out.length = 0;
    this.used = 0;
    this.gridAt = 0;
  }
}
