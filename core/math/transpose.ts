// Swapping the last two axes, in the form wasm runs fastest. tfjs-wasm's Transpose of a large
// [R, C] matrix strides through memory a whole row apart on every element: 3.4 ms at
// [768, 768], 5.5 ms at [1536, 384], 171 ms at [4096, 4096]. The same copy done as two passes
// over panels of 16 rows, [R/16, 16, C] -> [R/16, C, 16] (each panel fits in cache) -> [C,
// R/16, 16], takes 0.74, 0.50 and 27 ms. A transpose only moves elements, so both forms give
// the same tensor bit for bit; which one runs changes the time only. Small or narrow
// tensors keep the one-pass form, where the extra kernels' fixed cost would dominate.
import * as tf from '@tensorflow/tfjs';

const PANEL = 16;

/** Tensors under this many elements keep the one-pass form (equal time at ~10^5, one kernel instead of three). */
const MIN_PANELLED = 2 ** 17;

/**
 * Whether `size` elements viewed as [.., R, C] are swapped in two passes: wasm only (measured
 * there), R a multiple of 16, both sides large and the whole tensor large.
 */
export function panelledSwap(R: number, C: number, size: number = R * C, backend: string = tf.getBackend()): boolean {
  return backend === 'wasm' && R % PANEL === 0 && R >= 128 && C >= 64 && size >= MIN_PANELLED;
}

/** t: [..., R, C] -> [..., C, R], an exact copy. */
export function swapLast<T extends tf.Tensor>(t: T): T {
  if (t.rank < 2) throw new Error(`swapLast: expected a tensor of rank ≥ 2, got shape [${t.shape.join(', ')}]`);
  const lead = t.shape.slice(0, -2);
  const [R, C] = t.shape.slice(-2);
  if (!panelledSwap(R, C, t.size)) {
    const perm = t.shape.map((_, i) => i);
    [perm[t.rank - 2], perm[t.rank - 1]] = [perm[t.rank - 1], perm[t.rank - 2]];
    return tf.transpose(t, perm) as T;
  }
  return tf.tidy(() => {
    const B = t.size / (R * C);
    const panels = tf.transpose(tf.reshape(t, [B, R / PANEL, PANEL, C]), [0, 1, 3, 2]); // [B, R/16, C, 16]
    return tf.reshape(tf.transpose(panels, [0, 2, 1, 3]), [...lead, C, R]) as T;
  });
}
