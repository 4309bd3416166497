// Image preprocessing as transformers' PIL image processors do it, from preprocessor_config.json:
// resize (Pillow's two-pass 8-bit resampling, reproduced to the integer), center crop,
// rescale, normalize. Pure TypeScript: the output is exactly what transformers produces, so
// pixel_values match bit for bit (checked against fixtures).

/** A decoded 8-bit RGB image, row-major, 3 bytes per pixel. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export type Resample = 'bilinear' | 'bicubic';

export type ResizeSpec =
  | { kind: 'exact'; height: number; width: number }
  | { kind: 'shortest_edge'; shortestEdge: number };

export interface ImagePreprocessor {
  resize?: { size: ResizeSpec; resample: Resample };
  centerCrop?: { height: number; width: number };
  rescaleFactor?: number;
  normalize?: { mean: [number, number, number]; std: [number, number, number] };
}

// --- Pillow's resampling (libImaging/Resample.c semantics) --------------------------------

const PRECISION_BITS = 32 - 8 - 2;

function filterOf(r: Resample): { support: number; f: (x: number) => number } {
  switch (r) {
    case 'bilinear':
      return { support: 1, f: (x) => { const a = Math.abs(x); return a < 1 ? 1 - a : 0; } };
    case 'bicubic':
      return {
        support: 2,
        f: (x) => {
          const a = -0.5; // Pillow's bicubic constant (torch uses −0.75)
          const t = Math.abs(x);
          if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
          if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
          return 0;
        },
      };
    default: {
      const never: never = r;
      throw new Error(`resample '${String(never)}' is not supported (supported: bilinear, bicubic)`);
    }
  }
}

interface Coeffs {
  ksize: number;
  /** Per output index: first input index and tap count. */
  bounds: Int32Array;
  /** Fixed-point weights [out, ksize]. */
  kk: Int32Array;
}

/** Weights of one axis, normalised per output pixel, then rounded to fixed point. */
function precompute(inSize: number, outSize: number, r: Resample): Coeffs {
  const { support: base, f } = filterOf(r);
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1);
  const support = base * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const kk = new Int32Array(outSize * ksize);
  const w = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      w[x] = f((x + xmin - center + 0.5) / filterscale);
      ww += w[x];
    }
    for (let x = 0; x < xmax; x++) {
      const v = ww !== 0 ? w[x] / ww : w[x];
      kk[xx * ksize + x] = Math.trunc(v < 0 ? -0.5 + v * (1 << PRECISION_BITS) : 0.5 + v * (1 << PRECISION_BITS));
    }
    bounds[2 * xx] = xmin;
    bounds[2 * xx + 1] = xmax;
  }
  return { ksize, bounds, kk };
}

function clip8(acc: number): number {
  const v = Math.floor(acc / (1 << PRECISION_BITS));
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** One pass along x (axis 'x') or y: integer accumulation with the half-unit rounding bias. */
function resamplePass(src: RgbImage, c: Coeffs, outSize: number, axis: 'x' | 'y'): RgbImage {
  const width = axis === 'x' ? outSize : src.width;
  const height = axis === 'y' ? outSize : src.height;
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = axis === 'x' ? x : y;
      const start = c.bounds[2 * o];
      const n = c.bounds[2 * o + 1];
      for (let ch = 0; ch < 3; ch++) {
        let acc = 1 << (PRECISION_BITS - 1);
        for (let k = 0; k < n; k++) {
          const idx = axis === 'x' ? (y * src.width + start + k) * 3 + ch : ((start + k) * src.width + x) * 3 + ch;
          acc += src.data[idx] * c.kk[o * c.ksize + k];
        }
        out[(y * width + x) * 3 + ch] = clip8(acc);
      }
    }
  }
  return { width, height, data: out };
}

/** PIL's Image.resize((width, height), resample) for an RGB image: horizontal pass, then vertical. */
export function resizeLikePil(img: RgbImage, width: number, height: number, r: Resample): RgbImage {
  let cur = img;
  if (width !== img.width) cur = resamplePass(cur, precompute(img.width, width, r), width, 'x');
  if (height !== img.height) cur = resamplePass(cur, precompute(img.height, height, r), height, 'y');
  return cur === img ? { width: img.width, height: img.height, data: img.data.slice() } : cur;
}

// --- the processor pipeline ---------------------------------------------------------------

/** Output size of a resize spec for an input image: transformers' rule (long side truncated). */
export function resizeTarget(spec: ResizeSpec, height: number, width: number): [number, number] {
  switch (spec.kind) {
    case 'exact':
      return [spec.height, spec.width];
    case 'shortest_edge': {
      const s = spec.shortestEdge;
      if (width <= height) return [Math.trunc((s * height) / width), s];
      return [s, Math.trunc((s * width) / height)];
    }
    default: {
      const never: never = spec;
      throw new Error(`unknown resize spec ${JSON.stringify(never)}`);
    }
  }
}

function centerCrop(img: RgbImage, h: number, w: number): RgbImage {
  if (h > img.height || w > img.width) {
    throw new Error(`center crop ${h}×${w} is larger than the resized image ${img.height}×${img.width} (padding is not supported)`);
  }
  const top = Math.trunc((img.height - h) / 2);
  const left = Math.trunc((img.width - w) / 2);
  const out = new Uint8Array(h * w * 3);
  for (let y = 0; y < h; y++) out.set(img.data.subarray(((top + y) * img.width + left) * 3, ((top + y) * img.width + left + w) * 3), y * w * 3);
  return { width: w, height: h, data: out };
}

/**
 * The whole pipeline → pixel_values of one image, channels first: [3, H, W] as a Float32Array.
 * Rescale is done in float64 then rounded (numpy's astype), normalize in float32 arithmetic.
 */
export function preprocessImage(img: RgbImage, p: ImagePreprocessor): { data: Float32Array; shape: [3, number, number] } {
  if (img.data.length !== img.width * img.height * 3) {
    throw new Error(`image data has ${img.data.length} bytes, expected ${img.width}×${img.height}×3`);
  }
  let cur = img;
  if (p.resize) {
    const [h, w] = resizeTarget(p.resize.size, img.height, img.width);
    cur = resizeLikePil(cur, w, h, p.resize.resample);
  }
  if (p.centerCrop) cur = centerCrop(cur, p.centerCrop.height, p.centerCrop.width);
  const { width: w, height: h } = cur;
  const out = new Float32Array(3 * h * w);
  const f = Math.fround;
  for (let ch = 0; ch < 3; ch++) {
    const m = f(p.normalize?.mean[ch] ?? 0);
    const s = f(p.normalize?.std[ch] ?? 1);
    for (let i = 0; i < h * w; i++) {
      let v = p.rescaleFactor !== undefined ? f(cur.data[i * 3 + ch] * p.rescaleFactor) : cur.data[i * 3 + ch];
      if (p.normalize) v = f(f(v - m) / s);
      out[ch * h * w + i] = v;
    }
  }
  return { data: out, shape: [3, h, w] };
}

// --- preprocessor_config.json -------------------------------------------------------------

type Json = Record<string, unknown>;

/** Class defaults of the processors the zoo's models use (fields absent from the file). */
const CLASS_DEFAULTS: Record<string, Json> = {
  ViTImageProcessor: {
    do_resize: true, size: { height: 224, width: 224 }, resample: 2, do_center_crop: false,
    do_rescale: true, rescale_factor: 1 / 255, do_normalize: true, image_mean: [0.5, 0.5, 0.5], image_std: [0.5, 0.5, 0.5],
  },
  BitImageProcessor: {
    do_resize: true, size: { shortest_edge: 224 }, resample: 3, do_center_crop: true, crop_size: { height: 224, width: 224 },
    do_rescale: true, rescale_factor: 1 / 255, do_normalize: true,
    image_mean: [0.48145466, 0.4578275, 0.40821073], image_std: [0.26862954, 0.26130258, 0.27577711],
  },
};

/** PIL's resampling codes as transformers stores them. */
const RESAMPLE_CODES: Record<number, Resample> = { 2: 'bilinear', 3: 'bicubic' };

function fail(field: string, want: string, got: unknown): never {
  throw new Error(`preprocessor_config.json: '${field}' must be ${want}, found ${JSON.stringify(got)}`);
}

function triple(field: string, v: unknown): [number, number, number] {
  if (typeof v === 'number') return [v, v, v];
  if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === 'number')) fail(field, 'a number or a list of 3 numbers', v);
  return [v[0], v[1], v[2]] as [number, number, number];
}

function sizeSpec(v: unknown): ResizeSpec {
  const o = (typeof v === 'number' ? { height: v, width: v } : v) as Json | null;
  if (o && typeof o.height === 'number' && typeof o.width === 'number') return { kind: 'exact', height: o.height, width: o.width };
  if (o && typeof o.shortest_edge === 'number' && o.longest_edge === undefined) return { kind: 'shortest_edge', shortestEdge: o.shortest_edge };
  return fail('size', '{height, width} or {shortest_edge} (longest_edge is not supported)', v);
}

function cropSpec(v: unknown): { height: number; width: number } {
  const o = (typeof v === 'number' ? { height: v, width: v } : v) as Json | null;
  if (o && typeof o.height === 'number' && typeof o.width === 'number') return { height: o.height, width: o.width };
  return fail('crop_size', '{height, width}', v);
}

/** preprocessor_config.json → pipeline; unknown processor types need every field spelled out. */
export function parsePreprocessorConfig(json: Json): ImagePreprocessor {
  const type = typeof json.image_processor_type === 'string' ? json.image_processor_type.replace(/Fast$|Pil$/, '') : '';
  const c: Json = { ...(CLASS_DEFAULTS[type] ?? {}), ...json };
  const on = (k: string) => c[k] === true;
  const p: ImagePreprocessor = {};
  if (on('do_resize')) {
    const code = c.resample;
    const resample = typeof code === 'number' ? RESAMPLE_CODES[code] : undefined;
    if (!resample) fail('resample', '2 (bilinear) or 3 (bicubic)', code);
    p.resize = { size: sizeSpec(c.size), resample };
  }
  if (on('do_center_crop')) p.centerCrop = cropSpec(c.crop_size);
  if (on('do_rescale')) {
    if (typeof c.rescale_factor !== 'number') fail('rescale_factor', 'a number', c.rescale_factor);
    p.rescaleFactor = c.rescale_factor;
  }
  if (on('do_normalize')) p.normalize = { mean: triple('image_mean', c.image_mean), std: triple('image_std', c.image_std) };
  return p;
}
