// Backend selection for Node hosts (CLI, tests, studio worker). The math in core/ is
// backend-neutral; this file only decides which tfjs backend executes it, and says so.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { registerBackendKernels } from '../math/kernels';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export type BackendRequest = BackendName | 'auto';

const require = createRequire(import.meta.url);

/** Try the native bindings; they are optional and absent where libtensorflow cannot be fetched. */
function tryNative(): boolean {
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      require(pkg);
      return true;
    } catch {
      // Not installed or its native library is missing: try the next one.
    }
  }
  return false;
}

function wasmDir(): string {
  return join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/';
}

async function useWasm(): Promise<void> {
  setWasmPaths(wasmDir());
  await tf.setBackend('wasm');
}

/** Activates a backend; 'auto' tries native, then wasm, then cpu. Returns the one in use. */
export async function initBackend(request: BackendRequest = 'auto'): Promise<BackendName> {
  const chosen = await activate(request);
  await tf.ready();
  registerBackendKernels(tf.getBackend());
  return chosen;
}

async function activate(request: BackendRequest): Promise<BackendName> {
  switch (request) {
    case 'cpu':
      await tf.setBackend('cpu');
      return 'cpu';
    case 'wasm':
      await useWasm();
      return 'wasm';
    case 'tensorflow':
      if (!tryNative() || !(await tf.setBackend('tensorflow'))) {
        throw new Error("backend 'tensorflow' requested but @tensorflow/tfjs-node(-gpu) did not load; valid: auto, wasm, cpu");
      }
      return 'tensorflow';
    case 'auto':
      if (tryNative() && (await tf.setBackend('tensorflow'))) return 'tensorflow';
      try {
        await useWasm();
        return 'wasm';
      } catch {
        await tf.setBackend('cpu');
        return 'cpu';
      }
    default: {
      const never: never = request;
      throw new Error(`unknown backend ${String(never)}; valid: auto, tensorflow, wasm, cpu`);
    }
  }
}

export function parseBackend(value: string): BackendRequest {
  if (value === 'auto' || value === 'tensorflow' || value === 'wasm' || value === 'cpu') return value;
  throw new Error(`unknown backend '${value}'; valid: auto, tensorflow, wasm, cpu`);
}
