// Live bytes of tensor buffers on the wasm backend, counted at its allocator: every buffer
// a kernel or upload allocates goes through the module's exported _malloc/_free. Unlike
// tf.memory().numBytes (which adds a tensor's size again for every reshape or identity
// view of the same buffer), this is the memory that is really held, so peaks are exact.
import * as tf from '@tensorflow/tfjs';

interface WasmModule {
  _malloc(n: number): number;
  _free(p: number): void;
  /** The raw exports. Module._malloc/_free start as lazy wrappers that overwrite themselves
   * with these on first call, which would also overwrite a hook installed before that. */
  asm?: { malloc?: (n: number) => number; free?: (p: number) => void };
}

export interface HeapMeter {
  /** Bytes in live buffers now. */
  live(): number;
  /** Highest live() since the last resetPeak(). */
  peak(): number;
  resetPeak(): void;
  stop(): void;
}

export function startHeapMeter(): HeapMeter {
  const backend = tf.backend() as unknown as { wasm?: WasmModule };
  const wasm = backend.wasm;
  if (tf.getBackend() !== 'wasm' || !wasm) throw new Error(`heap meter: needs the wasm backend (active: ${tf.getBackend()})`);
  const sizes = new Map<number, number>();
  let live = 0;
  let peak = 0;
  const malloc = wasm.asm?.malloc ?? wasm._malloc;
  const free = wasm.asm?.free ?? wasm._free;
  const restore = { malloc: wasm._malloc, free: wasm._free };
  wasm._malloc = (n: number): number => {
    const p = malloc(n);
    sizes.set(p >>> 0, n);
    live += n;
    if (live > peak) peak = live;
    return p;
  };
  wasm._free = (p: number): void => {
    const n = sizes.get(p >>> 0);
    if (n !== undefined) {
      live -= n;
      sizes.delete(p >>> 0);
    }
    free(p);
  };
  return {
    live: () => live,
    peak: () => peak,
    resetPeak: () => { peak = live; },
    stop: () => { wasm._malloc = restore.malloc; wasm._free = restore.free; },
  };
}
