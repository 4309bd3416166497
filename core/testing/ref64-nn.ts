// Float64 plain-JS references for core/nn, written from the PyTorch definitions and sharing
// no code with the tfjs implementation, so tests compare two independent computations.

export interface A64 {
  data: Float64Array;
  shape: number[];
}

export function a64(data: ArrayLike<number>, shape: number[]): A64 {
  const size = shape.reduce((a, b) => a * b, 1);
  if (data.length !== size) throw new Error(`a64: ${data.length} values for shape [${shape}]`);
  return { data: Float64Array.from(data), shape: shape.slice() };
}

/** Deterministic values in [-1, 1) from a seed (an LCG; independent of core/nn/init). */
export function rand64(shape: number[], seed: number, scale = 1): A64 {
  const size = shape.reduce((a, b) => a * b, 1);
  const d = new Float64Array(size);
  let s = (seed * 2654435761 + 12345) >>> 0;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    d[i] = ((s / 4294967296) * 2 - 1) * scale;
  }
  return { data: d, shape: shape.slice() };
}

/** Values rounded to fp32, so the fp32 implementation and the reference see the same inputs. */
export function f32(a: A64): A64 {
  return { data: Float64Array.from(Float32Array.from(a.data)), shape: a.shape.slice() };
}

/** x: [N, in], w: [out, in], b: [out] -> [N, out]. */
export function linear64(x: A64, w: A64, b?: A64): A64 {
  const [n, inF] = [x.data.length / x.shape[x.shape.length - 1], x.shape[x.shape.length - 1]];
  const outF = w.shape[0];
  const y = new Float64Array(n * outF);
  for (let r = 0; r < n; r++) {
    for (let o = 0; o < outF; o++) {
      let acc = b ? b.data[o] : 0;
      for (let i = 0; i < inF; i++) acc += x.data[r * inF + i] * w.data[o * inF + i];
      y[r * outF + o] = acc;
    }
  }
  return { data: y, shape: [...x.shape.slice(0, -1), outF] };
}

/** Transposes a 2-D array. */
export function transpose64(a: A64): A64 {
  const [r, c] = a.shape;
  const d = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) d[j * r + i] = a.data[i * c + j];
  return { data: d, shape: [c, r] };
}

export type PadMode64 = 'zeros' | 'reflect' | 'replicate' | 'circular';

export interface Conv64Options {
  stride: [number, number];
  padding: [number, number] | 'same' | 'valid';
  dilation: [number, number];
  groups: number;
  paddingMode: PadMode64;
}

// Source index for padded coordinate i (already shifted by the leading pad), or -1 for a zero.
function srcIndex(i: number, n: number, mode: PadMode64): number {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case 'zeros':
      return -1;
    case 'reflect':
      return i < 0 ? -i : 2 * (n - 1) - i;
    case 'replicate':
      return i < 0 ? 0 : n - 1;
    case 'circular':
      return ((i % n) + n) % n;
  }
}

function pads64(k: [number, number], o: Conv64Options): [number, number, number, number] {
  if (o.padding === 'valid') return [0, 0, 0, 0];
  if (o.padding === 'same') {
    const th = o.dilation[0] * (k[0] - 1);
    const tw = o.dilation[1] * (k[1] - 1);
    const top = Math.floor(th / 2);
    const left = Math.floor(tw / 2);
    return [top, th - top, left, tw - left];
  }
  return [o.padding[0], o.padding[0], o.padding[1], o.padding[1]];
}

/** torch conv2d by definition. x: [N, C, H, W], w: [O, C/g, kh, kw], b: [O]. */
export function conv2d64(x: A64, w: A64, b: A64 | undefined, o: Conv64Options): A64 {
  const [n, c, h, wd] = x.shape;
  const [oc, cg, kh, kw] = w.shape;
  const [t, bt, l, r] = pads64([kh, kw], o);
  const [sh, sw] = o.stride;
  const [dh, dw] = o.dilation;
  const oh = Math.floor((h + t + bt - dh * (kh - 1) - 1) / sh) + 1;
  const ow = Math.floor((wd + l + r - dw * (kw - 1) - 1) / sw) + 1;
  const ocg = oc / o.groups;
  const y = new Float64Array(n * oc * oh * ow);
  for (let bi = 0; bi < n; bi++) for (let co = 0; co < oc; co++) {
    const g = Math.floor(co / ocg);
    for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) {
      let acc = b ? b.data[co] : 0;
      for (let ci = 0; ci < cg; ci++) for (let u = 0; u < kh; u++) for (let v = 0; v < kw; v++) {
        const yi = srcIndex(i * sh + u * dh - t, h, o.paddingMode);
        const xj = srcIndex(j * sw + v * dw - l, wd, o.paddingMode);
        if (yi < 0 || xj < 0) continue;
        const xv = x.data[((bi * c + g * cg + ci) * h + yi) * wd + xj];
        acc += xv * w.data[((co * cg + ci) * kh + u) * kw + v];
      }
      y[((bi * oc + co) * oh + i) * ow + j] = acc;
    }
  }
  return { data: y, shape: [n, oc, oh, ow] };
}

/**
 * Filter gradient of an NHWC conv with [kh, kw, ci, co] filters (tfjs layout), zero padding
 * [top, left] and strides, by definition: dW[u,v,c,o] = Σ x[n, i·s+u−top, j·s+v−left, c]·dy[n,i,j,o].
 */
export function convFilterGradNhwc64(x: A64, dy: A64, k: [number, number], stride: [number, number], padTopLeft: [number, number]): A64 {
  const [n, h, wd, ci] = x.shape;
  const [, oh, ow, co] = dy.shape;
  const [kh, kw] = k;
  const g = new Float64Array(kh * kw * ci * co);
  for (let u = 0; u < kh; u++) for (let v = 0; v < kw; v++) for (let c = 0; c < ci; c++) for (let o = 0; o < co; o++) {
    let acc = 0;
    for (let bi = 0; bi < n; bi++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) {
      const yy = i * stride[0] + u - padTopLeft[0];
      const xx = j * stride[1] + v - padTopLeft[1];
      if (yy < 0 || yy >= h || xx < 0 || xx >= wd) continue;
      acc += x.data[((bi * h + yy) * wd + xx) * ci + c] * dy.data[((bi * oh + i) * ow + j) * co + o];
    }
    g[((u * kw + v) * ci + c) * co + o] = acc;
  }
  return { data: g, shape: [kh, kw, ci, co] };
}

/** Applies f to every element. */
export function map64(a: A64, f: (v: number) => number): A64 {
  return { data: a.data.map(f), shape: a.shape.slice() };
}

/** erf by its Maclaurin series (|x| < 3) or continued fraction (|x| ≥ 3), ~1e-15 accurate. */
export function erf64(x: number): number {
  const ax = Math.abs(x);
  if (ax < 3) {
    let term = ax;
    let sum = ax;
    for (let k = 1; k < 200; k++) {
      term *= (-ax * ax) / k;
      const add = term / (2 * k + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  let cf = 0;
  for (let k = 60; k >= 1; k--) cf = (k / 2) / (ax + cf);
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + cf);
  return Math.sign(x) * (1 - erfc);
}

export const gelu64 = (v: number): number => 0.5 * v * (1 + erf64(v / Math.SQRT2));
export const geluTanh64 = (v: number): number => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
export const silu64 = (v: number): number => v / (1 + Math.exp(-v));

/** Over the last axis of size d: (x − mean)/√(var + eps)·w + b, biased variance. */
export function layerNorm64(x: A64, w: A64 | undefined, b: A64 | undefined, eps: number): A64 {
  const d = x.shape[x.shape.length - 1];
  const y = new Float64Array(x.data.length);
  for (let r = 0; r < x.data.length / d; r++) {
    let mean = 0;
    for (let i = 0; i < d; i++) mean += x.data[r * d + i] / d;
    let v = 0;
    for (let i = 0; i < d; i++) v += (x.data[r * d + i] - mean) ** 2 / d;
    for (let i = 0; i < d; i++) {
      const z = (x.data[r * d + i] - mean) / Math.sqrt(v + eps);
      y[r * d + i] = z * (w ? w.data[i] : 1) + (b ? b.data[i] : 0);
    }
  }
  return { data: y, shape: x.shape.slice() };
}

/** LLaMA RMSNorm over the last axis: w · x / √(mean(x²) + eps). */
export function rmsNorm64(x: A64, w: A64 | undefined, eps: number): A64 {
  const d = x.shape[x.shape.length - 1];
  const y = new Float64Array(x.data.length);
  for (let r = 0; r < x.data.length / d; r++) {
    let ms = 0;
    for (let i = 0; i < d; i++) ms += x.data[r * d + i] ** 2 / d;
    for (let i = 0; i < d; i++) y[r * d + i] = (w ? w.data[i] : 1) * x.data[r * d + i] / Math.sqrt(ms + eps);
  }
  return { data: y, shape: x.shape.slice() };
}

/** Σ a·b: the scalar loss tests differentiate (b is a fixed random cotangent). */
export function dot64(a: A64, b: A64): number {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += a.data[i] * b.data[i];
  return s;
}

/**
 * Central differences of a float64 scalar function with respect to each entry of `inputs`
 * (h = 1e-6: truncation error O(h²) and rounding O(1e-16/h) both far below fp32 tolerances).
 */
export function finiteDiff64(f: (inputs: A64[]) => number, inputs: A64[], h = 1e-6): A64[] {
  return inputs.map((inp, k) => {
    const g = new Float64Array(inp.data.length);
    for (let i = 0; i < inp.data.length; i++) {
      const plus = inputs.map((a) => ({ data: a.data.slice(), shape: a.shape }));
      const minus = inputs.map((a) => ({ data: a.data.slice(), shape: a.shape }));
      plus[k].data[i] += h;
      minus[k].data[i] -= h;
      g[i] = (f(plus) - f(minus)) / (2 * h);
    }
    return { data: g, shape: inp.shape.slice() };
  });
}

/** max |a − b| / max |b|: error relative to the reference's scale, the measure nn tests bound. */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`relErr: lengths ${a.length} vs ${b.length}`);
  let err = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return scale === 0 ? err : err / scale;
}

export interface Attn64Options {
  /** Additive, indexed [b][j] (a padding mask over keys), or undefined. */
  keyMask?: number[][];
  causal?: boolean;
  scale?: number;
}

/**
 * softmax(q·k·scale + mask)·v by definition. q: [B, H, Tq, D], k/v: [B, Hkv, Tk, D]; query
 * head h uses kv head ⌊h·Hkv/H⌋; causal keeps keys j ≤ i + Tk − Tq.
 */
export function attention64(q: A64, k: A64, v: A64, o: Attn64Options = {}): A64 {
  const [b, h, tq, d] = q.shape;
  const [, hkv, tk, dv] = v.shape;
  const scale = o.scale ?? 1 / Math.sqrt(d);
  const out = new Float64Array(b * h * tq * dv);
  for (let bi = 0; bi < b; bi++) for (let hi = 0; hi < h; hi++) {
    const kh = Math.floor((hi * hkv) / h);
    for (let i = 0; i < tq; i++) {
      const s: number[] = [];
      for (let j = 0; j < tk; j++) {
        if (o.causal && j > i + tk - tq) continue;
        let dot = 0;
        for (let e = 0; e < d; e++) dot += q.data[((bi * h + hi) * tq + i) * d + e] * k.data[((bi * hkv + kh) * tk + j) * d + e];
        s[j] = dot * scale + (o.keyMask ? o.keyMask[bi][j] : 0);
      }
      const m = Math.max(...s.filter((x) => x !== undefined));
      let z = 0;
      s.forEach((x, j) => {
        s[j] = Math.exp(x - m);
        z += s[j];
      });
      for (let e = 0; e < dv; e++) {
        let acc = 0;
        s.forEach((p, j) => {
          acc += (p / z) * v.data[((bi * hkv + kh) * tk + j) * dv + e];
        });
        out[((bi * h + hi) * tq + i) * dv + e] = acc;
      }
    }
  }
  return { data: out, shape: [b, h, tq, dv] };
}

/**
 * LLaMA rotary embedding by definition, in float64: for pair (i, i + D/2) at position p the
 * angle is p / theta^(2i/D) and (x₁, x₂) -> (x₁cos − x₂sin, x₂cos + x₁sin). x: [B, H, T, D].
 */
export function rope64(x: A64, positions: number[][], theta: number): A64 {
  const [b, h, t, d] = x.shape;
  const half = d / 2;
  const y = new Float64Array(x.data.length);
  for (let bi = 0; bi < b; bi++) for (let hi = 0; hi < h; hi++) for (let ti = 0; ti < t; ti++) {
    const base = ((bi * h + hi) * t + ti) * d;
    for (let i = 0; i < half; i++) {
      const ang = positions[bi][ti] / Math.pow(theta, (2 * i) / d);
      const [x1, x2] = [x.data[base + i], x.data[base + half + i]];
      y[base + i] = x1 * Math.cos(ang) - x2 * Math.sin(ang);
      y[base + half + i] = x2 * Math.cos(ang) + x1 * Math.sin(ang);
    }
  }
  return { data: y, shape: x.shape.slice() };
}
