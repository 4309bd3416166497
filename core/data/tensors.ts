// An image-classification dataset stored as one safetensors file, the columns of a Hugging
// Face image dataset after preprocessing: pixel_values [N, C, H, W] (float, in [0, 1]),
// labels [N] (integer), and the class names as JSON in the metadata key "class_names".
import { parseSafetensors, serializeSafetensors, toFloat32, toInt32 } from '../io/safetensors';
import { DatasetError } from './errors';
import type { ImageClassificationData } from './dataset';

export function parseImageTensors(bytes: Uint8Array, file: string): ImageClassificationData {
  let f;
  try {
    f = parseSafetensors(bytes, file);
  } catch (e) {
    throw new DatasetError(file, null, (e as Error).message);
  }
  const px = f.tensors.get('pixel_values');
  const lb = f.tensors.get('labels');
  if (!px || px.shape.length !== 4) throw new DatasetError(file, null, `needs 'pixel_values' of rank 4 [N, C, H, W], found ${px ? `[${px.shape}]` : 'none'}`);
  if (!lb || lb.shape.length !== 1 || lb.shape[0] !== px.shape[0]) throw new DatasetError(file, null, `needs 'labels' of shape [${px.shape[0]}], found ${lb ? `[${lb.shape}]` : 'none'}`);
  let classNames: unknown;
  try {
    classNames = JSON.parse(f.metadata.class_names ?? 'null');
  } catch {
    classNames = null;
  }
  if (!Array.isArray(classNames) || !classNames.every((c) => typeof c === 'string')) throw new DatasetError(file, null, "metadata 'class_names' must be a JSON list of strings");
  const labels = toInt32(lb);
  const bad = labels.findIndex((l) => l < 0 || l >= classNames.length);
  if (bad >= 0) throw new DatasetError(file, null, `labels[${bad}]=${labels[bad]} is outside 0..${classNames.length - 1}`);
  const [, c, h, w] = px.shape;
  return { kind: 'image-classification', pixels: toFloat32(px), shape: [c, h, w], labels, classNames: classNames as string[] };
}

export function serializeImageTensors(d: ImageClassificationData): Uint8Array {
  const n = d.labels.length;
  return serializeSafetensors([
    { name: 'pixel_values', dtype: 'F32', shape: [n, ...d.shape], data: d.pixels },
    { name: 'labels', dtype: 'I32', shape: [n], data: d.labels },
  ], { class_names: JSON.stringify(d.classNames) });
}
