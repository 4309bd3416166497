// Spawns the core worker thread. From a checkout the entry is TypeScript run through tsx;
// from the esbuild bundle it is dist/electron/worker/worker.js beside dist/electron/main/.
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { WorkerFactory, WorkerLike } from './host-protocol';

export interface CoreWorkerOptions {
  /** tfjs backend request for the worker: auto, tensorflow, wasm or cpu. */
  backend?: string;
  /** Override the entry file (tests). */
  entry?: string;
  mode?: 'electron' | 'browser';
  /** Environment for the worker; defaults to the parent's. */
  env?: NodeJS.ProcessEnv;
}

export function defaultWorkerEntry(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) return join(dirname(here), '..', 'worker', 'worker-main.ts');
  const bundled = join(dirname(here), '..', 'worker', 'worker.js');
  if (!existsSync(bundled)) throw new Error(`the core worker bundle is missing (${bundled}); run \`npm run build:electron\``);
  return bundled;
}

/** A .ts entry starts through dev-entry.mjs, which registers tsx inside the worker. */
function bootFile(entry: string): { file: string; entryUrl?: string } {
  if (!entry.endsWith('.ts')) return { file: entry };
  return { file: join(dirname(entry), 'dev-entry.mjs'), entryUrl: pathToFileURL(entry).href };
}

export function coreWorkerFactory(options: CoreWorkerOptions = {}): WorkerFactory {
  return () => {
    const entry = options.entry ?? defaultWorkerEntry();
    const boot = bootFile(entry);
    const worker = new Worker(boot.file, {
      workerData: { backend: options.backend ?? 'auto', mode: options.mode ?? 'browser', entryUrl: boot.entryUrl },
      env: options.env ?? process.env,
      stdout: false,
      stderr: false,
    });
    return worker as unknown as WorkerLike;
  };
}
