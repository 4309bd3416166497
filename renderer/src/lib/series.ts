// Append-only numeric series for live charts. Points arrive one event at a time and charts
// redraw at most once a frame, so buffers grow by doubling instead of copying per point.

export class Series {
  private xs: Float64Array;
  private ys: Float64Array;
  private n = 0;

  constructor(capacity = 1024) {
    this.xs = new Float64Array(capacity);
    this.ys = new Float64Array(capacity);
  }

  get length(): number {
    return this.n;
  }

  push(x: number, y: number): void {
    if (this.n === this.xs.length) {
      const xs = new Float64Array(this.xs.length * 2);
      const ys = new Float64Array(this.ys.length * 2);
      xs.set(this.xs);
      ys.set(this.ys);
      this.xs = xs;
      this.ys = ys;
    }
    this.xs[this.n] = x;
    this.ys[this.n] = y;
    this.n++;
  }

  /** Views (no copy) of the filled part; valid until the next push. */
  x(): Float64Array {
    return this.xs.subarray(0, this.n);
  }

  y(): Float64Array {
    return this.ys.subarray(0, this.n);
  }

  last(): number | undefined {
    return this.n > 0 ? this.ys[this.n - 1] : undefined;
  }

  clear(): void {
    this.n = 0;
  }
}

/**
 * Debiased exponential moving average (weight `w` on the past), as TensorBoard smooths:
 * s_t = (w·a_{t−1} + (1−w)·y_t) / (1 − w^t). Non-finite inputs pass through unsmoothed.
 */
export function smoothEma(ys: ArrayLike<number>, w: number): Float64Array {
  const out = new Float64Array(ys.length);
  if (w <= 0) {
    for (let i = 0; i < ys.length; i++) out[i] = ys[i];
    return out;
  }
  let acc = 0;
  let t = 0;
  for (let i = 0; i < ys.length; i++) {
    const y = ys[i];
    if (!Number.isFinite(y)) {
      out[i] = y;
      continue;
    }
    t++;
    acc = w * acc + (1 - w) * y;
    out[i] = acc / (1 - w ** t);
  }
  return out;
}

/** Aligns sparse (x, y) points onto the sorted x grid `grid`, null where absent. */
export function alignTo(grid: ArrayLike<number>, xs: ArrayLike<number>, ys: ArrayLike<number>): (number | null)[] {
  const out: (number | null)[] = new Array<number | null>(grid.length).fill(null);
  let j = 0;
  for (let i = 0; i < grid.length && j < xs.length; i++) {
    while (j < xs.length && xs[j] < grid[i]) j++;
    if (j < xs.length && xs[j] === grid[i]) out[i] = ys[j];
  }
  return out;
}

/** Formats seconds as h:mm:ss for the ETA readout. */
export function formatEta(sec: number): string {
  if (!Number.isFinite(sec) || sec < 0) return '—';
  const s = Math.round(sec);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}`;
}
