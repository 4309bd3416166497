// The sample's two real digit sets brought to one input format, 8×8 grayscale in [0, 1]:
// MNIST (pretraining) and UCI optdigits (finetuning; Debian's python3-sklearn ships it).
import { resizeArea } from '../../data/image';
import { DatasetError } from '../../data/errors';
import { parseCsv } from '../../data/csv';
import type { ImageClassificationData } from '../../data/dataset';

export const DIGIT_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/**
 * MNIST 28×28 → 8×8: MNIST centres each digit in a 20×20 box, so that box is cut out and
 * area-averaged to 8×8, the way optdigits counts ink in 4×4 cells of its 32×32 bitmaps.
 */
export function mnistTo8x8(raw: ArrayLike<number>): Float32Array {
  const box = new Float64Array(20 * 20);
  for (let y = 0; y < 20; y++) for (let x = 0; x < 20; x++) box[y * 20 + x] = raw[(y + 4) * 28 + (x + 4)];
  return Float32Array.from(resizeArea(box, 20, 20, 8, 8));
}

/** sklearn's digits.csv: 64 pixel counts (0..16) then the label per line, no header. */
export function parseOptdigitsCsv(text: string, file: string): ImageClassificationData {
  const table = parseCsv(`${Array.from({ length: 65 }, (_, i) => `c${i}`).join(',')}\n${text}`, file);
  const n = table.records.length;
  const pixels = new Float32Array(n * 64);
  const labels = new Int32Array(n);
  table.records.forEach((r, i) => {
    const line = r.line - 1; // the synthetic header is not in the file
    const values = r.fields.map(Number);
    if (values.some((v, j) => !Number.isInteger(v) || v < 0 || v > (j < 64 ? 16 : 9))) {
      throw new DatasetError(file, line, 'expected 64 integers in 0..16 and a label in 0..9');
    }
    values.slice(0, 64).forEach((v, j) => (pixels[i * 64 + j] = v / 16));
    labels[i] = values[64];
  });
  return { kind: 'image-classification', pixels, shape: [1, 8, 8], labels, classNames: DIGIT_CLASSES };
}
