// Entry of the core worker thread: initialises tfjs off the UI/main thread, builds the
// StudioService on core/, and serves the host protocol on parentPort.
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend, parseBackend } from '../../core/node/backend';
import { attachToHost, eventSink } from './worker-port';
import { StudioService } from './service';
import { createCoreDeps } from './wiring';
import type { AppInfo } from '../shared/schemas';

interface WorkerConfig {
  backend?: string;
  mode?: AppInfo['mode'];
}

async function boot(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('worker-main.ts must run in a worker thread');
  const config = (workerData ?? {}) as WorkerConfig;
  const backend = await initBackend(parseBackend(config.backend ?? 'auto'));
  const service = new StudioService(createCoreDeps({ mode: config.mode ?? 'browser', backend }), eventSink(port));
  attachToHost(port, service.handlers());
}

boot().catch((e: unknown) => {
  parentPort?.postMessage({ kind: 'fatal', message: `core worker failed to start: ${(e as Error).stack ?? String(e)}` });
  process.exit(1);
});
