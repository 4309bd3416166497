// Per-pixel envelope of long series: which raw points a chart must draw so that every pixel
// column shows exactly what drawing all of them would. uPlot's line builder already collapses
// the points of one pixel column into a vertical stroke from their min to their max, entered
// at the first and left at the last; so keeping, per column, the first and last point and
// each line's min and max (plus both sides of every gap edge) draws the same picture from a
// few thousand points instead of 100k, and the work per redraw stops growing with the run.

/** Pixel column of x on a plot `width` device pixels wide showing [lo, hi] (uPlot rounds so too). */
export function pixelColumn(x: number, lo: number, hi: number, width: number): number {
  return hi > lo ? Math.round(((x - lo) / (hi - lo)) * width) : 0;
}

/** First index with xs[i] ≥ v (xs sorted). */
export function lowerBound(xs: ArrayLike<number>, v: number): number {
  let a = 0;
  let b = xs.length;
  while (a < b) {
    const m = (a + b) >>> 1;
    if (xs[m] < v) a = m + 1;
    else b = m;
  }
  return a;
}

/** First index with xs[i] > v (xs sorted), in [from, xs.length]. */
export function upperBound(xs: ArrayLike<number>, v: number, from = 0): number {
  let a = from;
  let b = xs.length;
  while (a < b) {
    const m = (a + b) >>> 1;
    if (xs[m] <= v) a = m + 1;
    else b = m;
  }
  return a;
}

/** Index of the x nearest v (the earlier one on a tie), or −1 when xs is empty. xs sorted. */
export function nearestIndex(xs: ArrayLike<number>, v: number): number {
  const i = lowerBound(xs, v);
  if (i === 0 || i >= xs.length) return Math.min(i, xs.length - 1);
  return v - xs[i - 1] <= xs[i] - v ? i - 1 : i;
}

/** Collects kept indices column by column; indices of one column arrive in any order. */
class Keeper {
  out: Int32Array;
  n = 0;
  private col = new Int32Array(16);
  private m = 0;

  constructor(capacity: number) {
    this.out = new Int32Array(Math.max(16, capacity));
  }

  add(i: number): void {
    if (this.m === this.col.length) {
      const grown = new Int32Array(this.col.length * 2);
      grown.set(this.col);
      this.col = grown;
    }
    this.col[this.m++] = i;
  }

  /** Ends a column: appends its indices sorted and without repeats. */
  flush(): void {
    const c = this.col.subarray(0, this.m);
    // A handful of indices per column, usually: insertion sort beats a comparator sort.
    for (let k = 1; k < c.length; k++) {
      const v = c[k];
      let j = k - 1;
      while (j >= 0 && c[j] > v) c[j + 1] = c[j--];
      c[j + 1] = v;
    }
    for (let k = 0; k < c.length; k++) {
      // A gap edge can reach back to the previous column's last point, already kept.
      if (this.n > 0 && c[k] <= this.out[this.n - 1]) continue;
      if (this.n === this.out.length) {
        const grown = new Int32Array(this.out.length * 2);
        grown.set(this.out);
        this.out = grown;
      }
      this.out[this.n++] = c[k];
    }
    this.m = 0;
  }
}

/**
 * Raw indices to draw for the x range [lo, hi] on `width` device pixels: for each pixel column
 * its first and last point, and per line (NaN = gap) the point of its min and of its max and
 * both points of every gap edge; plus the nearest point outside the range on each side, so the
 * lines run on to the plot's edges. Sorted, without repeats. xs must be sorted.
 */
export function envelopeIndices(xs: ArrayLike<number>, lines: readonly ArrayLike<number>[], lo: number, hi: number, width: number): Int32Array {
  const n = xs.length;
  const from = Math.max(0, lowerBound(xs, lo) - 1);
  const to = Math.min(n - 1, upperBound(xs, hi, from)); // the first point past hi, when there is one
  const keep = new Keeper(Math.min(n, 4 * (width + 2) * (lines.length + 1)));
  for (let first = from; first <= to && n > 0;) {
    const last = columnEnd(xs, first, to, lo, hi, width);
    keep.add(first);
    keep.add(last);
    for (const y of lines) scanColumn(y, first, last, from, keep);
    keep.flush();
    first = last + 1;
  }
  return keep.out.subarray(0, keep.n);
}

/**
 * Last index of the column that starts at `first`: a binary search, since columns are runs of
 * sorted x. Evaluates pixelColumn O(log n) times per column instead of once per point.
 */
function columnEnd(xs: ArrayLike<number>, first: number, to: number, lo: number, hi: number, width: number): number {
  const c = pixelColumn(xs[first], lo, hi, width);
  let a = first;
  let b = to;
  while (a < b) {
    const m = (a + b + 1) >>> 1;
    if (pixelColumn(xs[m], lo, hi, width) === c) a = m;
    else b = m - 1;
  }
  return a;
}

/** One line over the column [a, b]: keeps its min, its max, and both sides of each gap edge. */
function scanColumn(y: ArrayLike<number>, a: number, b: number, from: number, keep: Keeper): void {
  let iMin = -1;
  let iMax = -1;
  let vMin = Infinity;
  let vMax = -Infinity;
  // At the first drawn point there is no edge to keep, whatever it is.
  let prevGap = Number.isNaN(y[a > from ? a - 1 : a]);
  for (let i = a; i <= b; i++) {
    const v = y[i];
    const gap = Number.isNaN(v);
    if (gap !== prevGap) {
      keep.add(i - 1);
      keep.add(i);
      prevGap = gap;
    }
    if (gap) continue;
    if (v < vMin || iMin < 0) {
      vMin = v;
      iMin = i;
    }
    if (v > vMax || iMax < 0) {
      vMax = v;
      iMax = i;
    }
  }
  if (iMin >= 0) {
    keep.add(iMin);
    keep.add(iMax);
  }
}
