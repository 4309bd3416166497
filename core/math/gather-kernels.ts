// UnsortedSegmentSum for backends that lack it (wasm), so the gradient of tf.gather (and so
// Embedding training) works. The sum is a scatter-add over rows; it runs in plain JS on the
// backend's data with float64 accumulation, then rounds once to the output dtype.
import * as tf from '@tensorflow/tfjs';

const KERNEL = 'UnsortedSegmentSum';

/**
 * x: [n, ...rest] viewed as [n, inner] rows, ids: [n] -> out: [numSegments, inner];
 * ids outside [0, numSegments) are dropped, as in TF.
 */
export function segmentSumRows(x: ArrayLike<number>, ids: ArrayLike<number>, numSegments: number, inner: number): Float64Array {
  const out = new Float64Array(numSegments * inner);
  for (let r = 0; r < ids.length; r++) {
    const s = ids[r];
    if (s < 0 || s >= numSegments) continue;
    const src = r * inner;
    const dst = s * inner;
    for (let j = 0; j < inner; j++) out[dst + j] += x[src + j];
  }
  return out;
}

/** Registers the kernel on `backend` when it has none; calling it again changes nothing. */
export function registerGatherKernels(backend: string): void {
  if (tf.getKernel(KERNEL, backend) !== undefined) return;
  tf.registerKernel({
    kernelName: KERNEL,
    backendName: backend,
    // Returning a Tensor hands it to the engine as the output (see conv-kernels.ts).
    kernelFunc: ({ inputs, attrs, backend: b }) => {
      const x = inputs.x as tf.TensorInfo;
      const segmentIds = inputs.segmentIds as tf.TensorInfo;
      const kb = b as tf.KernelBackend;
      const numSegments = (attrs as unknown as { numSegments: number }).numSegments;
      // tfjs defines the op for 1-D ids only (its gather gradient flattens them).
      if (segmentIds.shape.length !== 1) throw new Error(`UnsortedSegmentSum: segmentIds must be 1-D, got [${segmentIds.shape}]`);
      const rest = x.shape.slice(1);
      const inner = rest.reduce((p, q) => p * q, 1);
      const xv = kb.readSync(x.dataId) as Float32Array | Int32Array;
      const iv = kb.readSync(segmentIds.dataId) as Int32Array;
      const sum = segmentSumRows(xv, iv, numSegments, inner);
      const dtype = x.dtype === 'int32' ? 'int32' : 'float32';
      const values = dtype === 'int32' ? Int32Array.from(sum) : Float32Array.from(sum);
      return tf.tensor(values, [numSegments, ...rest], dtype);
    },
  });
}
