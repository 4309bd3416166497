// Worker bootstrap for running from a checkout: Node 20 will not start a worker from a .ts
// file even with tsx in execArgv, so register tsx's ESM hooks here, then load the real entry.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entryUrl);
