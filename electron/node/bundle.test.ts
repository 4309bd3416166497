// The esbuild bundles Electron runs: the preload needs nothing but 'electron', and the
// bundled core worker boots and serves the contract (real core, cpu backend).
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CoreHost } from './core-host';
import { coreWorkerFactory } from './worker-factory';
import { appRoot } from './paths';
import { createClient } from '../shared/client';
import { memoryTransport } from '../shared/transports';

// Inside the checkout (a gitignored folder) so the bundle resolves node_modules like dist/ does.
const out = join(appRoot(), '.boft-tmp', `bundle-test-${process.pid}`);
let host: CoreHost | null = null;
afterAll(async () => {
  await host?.dispose();
  rmSync(out, { recursive: true, force: true });
});

describe('electron bundles', () => {
  it('builds a preload that requires only electron and a worker that serves the contract', async () => {
    execFileSync(process.execPath, [join(appRoot(), 'build', 'bundle.mjs'), out]);
    const preload = readFileSync(join(out, 'preload', 'preload.cjs'), 'utf8');
    expect([...preload.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1])).toEqual(['electron']);
    expect(preload).toContain('exposeInMainWorld');
    expect(preload).not.toMatch(/ipcRenderer[^.]*exposeInMainWorld\("ipcRenderer"/);
    host = new CoreHost(coreWorkerFactory({ entry: join(out, 'worker', 'worker.js'), backend: 'cpu', mode: 'electron' }));
    const client = createClient(memoryTransport(host));
    const info = await client.call('app.info', {});
    expect(info.ok && info.value).toMatchObject({ mode: 'electron', backend: 'cpu' });
    const sample = await client.call('model.openSample', {});
    expect(sample.ok && sample.value.architecture).toBe('DigitMLPForImageClassification');
    client.close();
  }, 60_000);
});
