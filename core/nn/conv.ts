// torch.nn.functional.conv2d semantics on tfjs: NCHW in and out, PyTorch weight layout,
// symmetric/'same'/'valid' padding, dilation, groups and nn.Conv2d's padding modes.
// tfjs convolves NHWC with [kh, kw, in, out] filters, has no groups, and has no gradient
// for dilation > 1, so those are expressed here with ops whose gradients exist everywhere.
import * as tf from '@tensorflow/tfjs';

export type PaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';

export interface Conv2dOptions {
  kernelSize: [number, number];
  stride: [number, number];
  padding: [number, number] | 'same' | 'valid';
  dilation: [number, number];
  groups: number;
  paddingMode: PaddingMode;
}

/** Explicit [top, bottom, left, right] padding, as PyTorch derives it. */
export type Pad4 = [number, number, number, number];

/** 'same' puts the odd extra pixel on the bottom/right, as PyTorch does. */
export function resolveConvPadding(o: Conv2dOptions): Pad4 {
  const p = o.padding;
  if (p === 'valid') return [0, 0, 0, 0];
  if (p === 'same') {
    if (o.stride[0] !== 1 || o.stride[1] !== 1) {
      throw new Error(`conv2d: padding='same' requires stride 1 (got stride [${o.stride}]); valid: stride [1, 1], or padding 'valid' / [ph, pw]`);
    }
    const [th, tw] = [o.dilation[0] * (o.kernelSize[0] - 1), o.dilation[1] * (o.kernelSize[1] - 1)];
    return [Math.floor(th / 2), th - Math.floor(th / 2), Math.floor(tw / 2), tw - Math.floor(tw / 2)];
  }
  return [p[0], p[0], p[1], p[1]];
}

function describe(o: Conv2dOptions): string {
  return `kernel_size=[${o.kernelSize}], stride=[${o.stride}], padding=${JSON.stringify(o.padding)}, dilation=[${o.dilation}], groups=${o.groups}, padding_mode='${o.paddingMode}'`;
}

/** Throws naming the shapes and settings when x/weight/options do not fit together. */
export function validateConv2d(xShape: number[], wShape: number[], o: Conv2dOptions): void {
  const bad = (why: string): never => {
    throw new Error(`conv2d: ${why} (input [${xShape}], weight [${wShape}], ${describe(o)})`);
  };
  const ints = [...o.kernelSize, ...o.stride, ...o.dilation, o.groups];
  if (!ints.every((v) => Number.isInteger(v) && v >= 1)) bad('kernel_size, stride, dilation and groups must be positive integers');
  if (Array.isArray(o.padding) && !o.padding.every((v) => Number.isInteger(v) && v >= 0)) bad('padding must be non-negative integers');
  if (xShape.length !== 4 || wShape.length !== 4) bad('input must be NCHW and weight [out, in/groups, kh, kw]');
  if (wShape[2] !== o.kernelSize[0] || wShape[3] !== o.kernelSize[1]) bad('weight spatial shape differs from kernel_size');
  if (wShape[0] % o.groups !== 0) bad(`out_channels=${wShape[0]} is not divisible by groups=${o.groups}`);
  if (xShape[1] !== wShape[1] * o.groups) bad(`input channels ${xShape[1]} ≠ weight in/groups ${wShape[1]} × groups ${o.groups}`);
  const [t, b, l, r] = resolveConvPadding(o);
  const [h, w] = [xShape[2], xShape[3]];
  if (o.paddingMode === 'reflect' && (t >= h || b >= h || l >= w || r >= w)) bad(`reflect padding must be smaller than the input size ${h}×${w}`);
  if (o.paddingMode === 'circular' && (t > h || b > h || l > w || r > w)) bad(`circular padding must not exceed the input size ${h}×${w}`);
  const effH = h + t + b - o.dilation[0] * (o.kernelSize[0] - 1);
  const effW = w + l + r - o.dilation[1] * (o.kernelSize[1] - 1);
  if (effH < 1 || effW < 1) bad('padded input is smaller than the dilated kernel');
}

/** xh: [N, H, W, C] -> padded along H and W with a non-zero padding mode. */
export function padSpatial(xh: tf.Tensor4D, pad: Pad4, mode: Exclude<PaddingMode, 'zeros'>): tf.Tensor4D {
  const [t, b, l, r] = pad;
  switch (mode) {
    // Not tf.mirrorPad: its tfjs 4.22 gradient drops the reflected contributions.
    case 'reflect':
    case 'replicate':
    case 'circular':
      return edgePad(edgePad(xh, 1, t, b, mode), 2, l, r, mode);
    default: {
      const never: never = mode;
      throw new Error(`conv2d: unknown padding_mode '${String(never)}'; valid: zeros, reflect, replicate, circular`);
    }
  }
}

// Pads one axis by slices (+ reverse / tile) + concat: differentiable on every backend, no gather.
function edgePad(x: tf.Tensor4D, axis: 1 | 2, before: number, after: number, mode: Exclude<PaddingMode, 'zeros'>): tf.Tensor4D {
  if (before === 0 && after === 0) return x;
  const n = x.shape[axis];
  const take = (start: number, size: number): tf.Tensor4D => {
    const begin = [0, 0, 0, 0];
    const sz = [-1, -1, -1, -1];
    begin[axis] = start;
    sz[axis] = size;
    return tf.slice(x, begin, sz);
  };
  const reps = (k: number): number[] => [1, 1, 1, 1].map((v, i) => (i === axis ? k : v));
  const lead = (k: number): tf.Tensor4D => {
    if (mode === 'reflect') return tf.reverse(take(1, k), axis); // x[k] … x[1]
    return mode === 'replicate' ? tf.tile(take(0, 1), reps(k)) : take(n - k, k);
  };
  const trail = (k: number): tf.Tensor4D => {
    if (mode === 'reflect') return tf.reverse(take(n - 1 - k, k), axis); // x[n-2] … x[n-1-k]
    return mode === 'replicate' ? tf.tile(take(n - 1, 1), reps(k)) : take(0, k);
  };
  const parts: tf.Tensor4D[] = [];
  if (before > 0) parts.push(lead(before));
  parts.push(x);
  if (after > 0) parts.push(trail(after));
  return tf.concat(parts, axis);
}

/**
 * f: [kh, kw, ci, co] -> [(kh-1)·dh+1, (kw-1)·dw+1, ci, co] with zeros between taps, so a
 * dilated conv is a plain conv whose gradient exists (the zeros add exact zeros).
 */
export function dilateFilter(f: tf.Tensor4D, dh: number, dw: number): tf.Tensor4D {
  let out = f;
  if (dh > 1) {
    const [kh, kw, ci, co] = out.shape;
    const spread = tf.pad(tf.reshape(out, [kh, 1, kw, ci, co]), [[0, 0], [0, dh - 1], [0, 0], [0, 0], [0, 0]]);
    out = tf.slice(tf.reshape(spread, [kh * dh, kw, ci, co]) as tf.Tensor4D, [0, 0, 0, 0], [(kh - 1) * dh + 1, kw, ci, co]);
  }
  if (dw > 1) {
    const [kh, kw, ci, co] = out.shape;
    const spread = tf.pad(tf.reshape(out, [kh, kw, 1, ci, co]), [[0, 0], [0, 0], [0, dw - 1], [0, 0], [0, 0]]);
    out = tf.slice(tf.reshape(spread, [kh, kw * dw, ci, co]) as tf.Tensor4D, [0, 0, 0, 0], [kh, (kw - 1) * dw + 1, ci, co]);
  }
  return out;
}

// xh: [N, H, W, C], f: [kh', kw', C/g, out] -> [N, OH, OW, out]; groups by channel split.
function groupedConv(xh: tf.Tensor4D, f: tf.Tensor4D, stride: [number, number], pad: Pad4, groups: number): tf.Tensor4D {
  const [t, b, l, r] = pad;
  const tfPad: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [t, b], [l, r], [0, 0]];
  if (groups === 1) return tf.conv2d(xh, f, stride, tfPad, 'NHWC');
  const xs = tf.split(xh, groups, 3);
  const fs = tf.split(f, groups, 3);
  const ys = xs.map((xg, g) => tf.conv2d(xg as tf.Tensor4D, fs[g] as tf.Tensor4D, stride, tfPad, 'NHWC'));
  return tf.concat(ys, 3);
}

/**
 * Exactly torch.nn.functional.conv2d (plus nn.Conv2d's padding modes).
 * x: [N, C, H, W], weight: [out, C/groups, kh, kw], bias: [out] -> [N, out, OH, OW].
 */
export function conv2d(x: tf.Tensor4D, weight: tf.Tensor4D, bias: tf.Tensor1D | undefined, o: Conv2dOptions): tf.Tensor4D {
  validateConv2d(x.shape, weight.shape, o);
  if (bias && (bias.rank !== 1 || bias.shape[0] !== weight.shape[0])) {
    throw new Error(`conv2d: bias [${bias.shape}] must be [${weight.shape[0]}] for weight [${weight.shape}]`);
  }
  return tf.tidy(() => {
    const pad = resolveConvPadding(o);
    let xh = tf.transpose(x, [0, 2, 3, 1]); // [N, H, W, C]
    let convPad = pad;
    if (o.paddingMode !== 'zeros') {
      xh = padSpatial(xh, pad, o.paddingMode);
      convPad = [0, 0, 0, 0];
    }
    const f = dilateFilter(tf.transpose(weight, [2, 3, 1, 0]), o.dilation[0], o.dilation[1]); // [kh', kw', C/g, out]
    let y = groupedConv(xh, f, o.stride, convPad, o.groups); // [N, OH, OW, out]
    if (bias) y = tf.add(y, bias);
    return tf.transpose(y, [0, 3, 1, 2]);
  });
}
