// Identity (tf.clone) that shares the input's buffer on wasm instead of copying it.
//
// tfjs clones every tensor an op saves for its backward (engine.saveTensorsForBackwardMode,
// and customGrad's save), and wasm's stock Identity copies the data, so in training every
// saved input costs a full copy, in time and in memory held for the whole step (measured:
// most of a DINOv2-small step's peak). Sharing is what cpu's Identity and wasm's own Reshape
// already do: buffers are immutable in tfjs (a Variable's assign swaps its buffer, kernels
// never write their inputs), and the backend's reference count frees a buffer with its last
// owner. Values are bit-identical; only the copy is gone.
import * as tf from '@tensorflow/tfjs';

const KERNEL = 'Identity';

interface RefCountingBackend {
  incRef(dataId: tf.DataId): void;
}

export const sharingIdentity: tf.KernelFunc = ({ inputs, backend }) => {
  const x = inputs.x as tf.TensorInfo;
  (backend as unknown as RefCountingBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

/** On wasm, replaces the copying Identity; other backends keep theirs. Idempotent. */
export function registerIdentityKernel(backend: string): void {
  if (backend !== 'wasm') return;
  if (tf.getKernel(KERNEL, backend)?.kernelFunc === sharingIdentity) return;
  tf.unregisterKernel(KERNEL, backend);
  tf.registerKernel({ kernelName: KERNEL, backendName: backend, kernelFunc: sharingIdentity });
}
