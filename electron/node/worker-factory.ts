// Spawns the core worker thread. From a checkout the entry is TypeScript run through tsx;
// from the esbuild bundle it is dist/electron/worker/worker.js beside dist/electron/main/.
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkerFactory, WorkerLike } from './host-protocol';

export interface CoreWorkerOptions {
  /** tfjs backend request for the worker: auto, tensorflow, wasm or cpu. */
  backend?: string;
  /** Override the entry file (tests). */
  entry?: string;
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

function execArgvFor(entry: string): string[] {
  if (!entry.endsWith('.ts')) return [];
  // Under `tsx` the loader is already in execArgv and workers inherit it; elsewhere add it.
  const inherited = process.execArgv.some((a) => a.includes('tsx'));
  return inherited ? process.execArgv : [...process.execArgv, '--import', 'tsx'];
}

export function coreWorkerFactory(options: CoreWorkerOptions = {}): WorkerFactory {
  return () => {
    const entry = options.entry ?? defaultWorkerEntry();
    const worker = new Worker(entry, {
      execArgv: execArgvFor(entry),
      workerData: { backend: options.backend ?? 'auto' },
      env: options.env ?? process.env,
      stdout: false,
      stderr: false,
    });
    return worker as unknown as WorkerLike;
  };
}
