// Decoded images to model pixels: channel conversion and area resampling, pure JS. Decoding
// PNG/JPEG bytes is done by the host (core/node/datasets.ts) with pure-JS decoders.
import { labelVocabulary, type ImageClassificationData } from './dataset';
import { DatasetError } from './errors';

/** Interleaved 8-bit pixels as decoders return them. data: [H, W, channels]. */
export interface DecodedImage {
  width: number;
  height: number;
  channels: 1 | 3 | 4;
  data: Uint8Array;
}

export interface PixelSpec {
  channels: 1 | 3;
  height: number;
  width: number;
  /** Dark strokes on light paper become light on dark (MNIST convention) when true. */
  invert?: boolean;
}

/** Channel c of pixel (y, x) in [0, 1]; RGB→gray uses ITU-R 601 luma as PIL's 'L' mode does. */
function channelPlane(img: DecodedImage, outChannels: 1 | 3, c: number): Float64Array {
  const plane = new Float64Array(img.width * img.height);
  for (let i = 0; i < plane.length; i++) {
    const px = img.data.subarray(i * img.channels, (i + 1) * img.channels);
    if (img.channels === 1) plane[i] = px[0];
    else if (outChannels === 3) plane[i] = px[c];
    else plane[i] = 0.299 * px[0] + 0.587 * px[1] + 0.114 * px[2];
    plane[i] /= 255;
  }
  return plane;
}

/** 1-D area weights: out[o] = Σ w[o][i]·in[i], the overlap of [o·s, (o+1)·s) with [i, i+1). */
function areaWeights(inSize: number, outSize: number): { i: number; w: number }[][] {
  const s = inSize / outSize;
  return Array.from({ length: outSize }, (_, o) => {
    const lo = o * s;
    const hi = (o + 1) * s;
    const taps: { i: number; w: number }[] = [];
    for (let i = Math.floor(lo); i < Math.min(inSize, Math.ceil(hi)); i++) {
      const w = Math.min(hi, i + 1) - Math.max(lo, i);
      if (w > 0) taps.push({ i, w: w / s });
    }
    return taps;
  });
}

/** Area resampling of one plane: [inH, inW] → [outH, outW]. */
export function resizeArea(plane: Float64Array, inH: number, inW: number, outH: number, outW: number): Float64Array {
  const wy = areaWeights(inH, outH);
  const wx = areaWeights(inW, outW);
  const out = new Float64Array(outH * outW);
  for (let oy = 0; oy < outH; oy++) {
    for (let ox = 0; ox < outW; ox++) {
      let acc = 0;
      for (const ty of wy[oy]) for (const tx of wx[ox]) acc += ty.w * tx.w * plane[ty.i * inW + tx.i];
      out[oy * outW + ox] = acc;
    }
  }
  return out;
}

/** One image as model pixels: [C, H, W] in [0, 1]. */
export function toPixels(img: DecodedImage, spec: PixelSpec): Float32Array {
  const out = new Float32Array(spec.channels * spec.height * spec.width);
  for (let c = 0; c < spec.channels; c++) {
    const plane = resizeArea(channelPlane(img, spec.channels, c), img.height, img.width, spec.height, spec.width);
    plane.forEach((v, i) => (out[c * plane.length + i] = spec.invert ? 1 - v : v));
  }
  return out;
}

export interface LabelledImage {
  file: string;
  className: string;
  image: DecodedImage;
}

/** Image-folder examples (class = subfolder name) to a dataset; classes sorted by name. */
export function imageClassification(items: LabelledImage[], spec: PixelSpec, classNames?: string[]): ImageClassificationData {
  if (items.length === 0) throw new Error('image folder has no images');
  const names = classNames ?? labelVocabulary(items.map((x) => x.className));
  const per = spec.channels * spec.height * spec.width;
  const pixels = new Float32Array(items.length * per);
  const labels = new Int32Array(items.length);
  items.forEach((x, i) => {
    const id = names.indexOf(x.className);
    if (id < 0) throw new DatasetError(x.file, null, `class '${x.className}' is not among ${names.join(', ')}`);
    pixels.set(toPixels(x.image, spec), i * per);
    labels[i] = id;
  });
  return { kind: 'image-classification', pixels, shape: [spec.channels, spec.height, spec.width], labels, classNames: names };
}
