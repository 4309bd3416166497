// Slice, Unpack (tf.unstack) and SplitV (tf.split) on wasm that read only what they copy.
//
// The stock wasm kernels first copy the WHOLE input out of the wasm heap (readSync), once per
// output: tf.unstack of [48, 256, 64] into 48 heads took 130 ms, tf.split of GPT-2's fused
// qkv 50 ms, where the bytes moved need ~0.3 ms. Here each output is copied, run by
// contiguous run, from a view of the heap taken after the output is allocated (an allocation
// may grow the heap and detach older views). The same elements in the same order: values are
// bit-identical; strings keep the stock kernels.
import * as tf from '@tensorflow/tfjs';

type Values = Float32Array | Int32Array | Uint8Array;

interface HeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Values;
}

/** Copies x[begin : begin + size] (row-major, any rank ≥ 1) into out, one innermost run at a time. */
export function copyBox(x: Values, shape: number[], begin: number[], size: number[], out: Values): void {
  const r = shape.length;
  const strides = new Array<number>(r).fill(1);
  for (let i = r - 2; i >= 0; i--) strides[i] = strides[i + 1] * shape[i + 1];
  const run = size[r - 1];
  const idx = new Array<number>(r - 1).fill(0); // odometer over the leading axes of the box
  const total = size.reduce((p, q) => p * q, 1);
  for (let o = 0; o < total; o += run) {
    let at = begin[r - 1];
    for (let i = 0; i < r - 1; i++) at += (begin[i] + idx[i]) * strides[i];
    out.set(x.subarray(at, at + run), o);
    for (let i = r - 2; i >= 0 && ++idx[i] === size[i]; i--) idx[i] = 0;
  }
}

/** One slice of x as a new wasm tensor; backend: the wasm backend. */
function sliceOut(x: tf.TensorInfo, begin: number[], size: number[], backend: HeapBackend): tf.TensorInfo {
  const out = backend.makeOutput(size, x.dtype); // allocate first: views taken before may detach
  if (size.some((s) => s === 0)) return out;
  copyBox(backend.typedArrayFromHeap(x), x.shape, begin, size, backend.typedArrayFromHeap(out));
  return out;
}

function stock(name: string): tf.KernelFunc {
  const k = tf.getKernel(name, 'wasm');
  if (!k) throw new Error(`wasm backend has no ${name} kernel to wrap`);
  return k.kernelFunc;
}

function makeKernels(): Record<'Slice' | 'Unpack' | 'SplitV', tf.KernelFunc> {
  const stockSlice = stock('Slice');
  const stockUnpack = stock('Unpack');
  const stockSplit = stock('SplitV');
  return {
    Slice: (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      if (x.dtype === 'string') return stockSlice(args);
      const { begin, size } = args.attrs as unknown as { begin: number[]; size: number[] };
      const [b, s] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
      return sliceOut(x, b, s, args.backend as unknown as HeapBackend);
    },
    Unpack: (args) => {
      const x = args.inputs.value as tf.TensorInfo;
      if (x.dtype === 'string') return stockUnpack(args);
      const axis = tf.util.parseAxisParam((args.attrs as unknown as { axis: number }).axis, x.shape)[0];
      const size = x.shape.map((s, i) => (i === axis ? 1 : s));
      const outShape = x.shape.filter((_, i) => i !== axis);
      return Array.from({ length: x.shape[axis] }, (_, j) => {
        const o = sliceOut(x, x.shape.map((_, i) => (i === axis ? j : 0)), size, args.backend as unknown as HeapBackend);
        return { ...o, shape: outShape };
      });
    },
    SplitV: (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      if (x.dtype === 'string') return stockSplit(args);
      const { numOrSizeSplits, axis } = args.attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
      const ax = tf.util.parseAxisParam(axis, x.shape)[0];
      const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, ax);
      let at = 0;
      return sizes.map((s) => {
        const begin = x.shape.map((_, i) => (i === ax ? at : 0));
        at += s;
        return sliceOut(x, begin, x.shape.map((d, i) => (i === ax ? s : d)), args.backend as unknown as HeapBackend);
      });
    },
  };
}

let installed: Record<string, tf.KernelFunc> | null = null;

/** The replacement kernels, once registered (for tests). */
export const installedSliceKernels = (): Readonly<Record<string, tf.KernelFunc>> | null => installed;

/** On wasm, replaces Slice, Unpack and SplitV; other backends keep theirs. Idempotent. */
export function registerSliceKernels(backend: string): void {
  if (backend !== 'wasm') return;
  if (installed && tf.getKernel('Slice', backend)?.kernelFunc === installed.Slice) return;
  installed = makeKernels();
  for (const [name, kernelFunc] of Object.entries(installed)) {
    tf.unregisterKernel(name, backend);
    tf.registerKernel({ kernelName: name, backendName: backend, kernelFunc });
  }
}
