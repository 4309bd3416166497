// The real thing, headless: a CoreHost on the real core worker thread (tsx), the real
// sample model, real config validation; then a real worker death and recovery.
import { afterAll, describe, expect, it } from 'vitest';
import { CoreHost } from './core-host';
import { coreWorkerFactory } from './worker-factory';
import { createClient } from '../shared/client';
import { memoryTransport } from '../shared/transports';
import type { StudioEvent } from '../shared/contract';
import type { WorkerLike } from './host-protocol';

const workers: WorkerLike[] = [];
const spawn = coreWorkerFactory({ backend: 'cpu', mode: 'browser' });
const host = new CoreHost(() => {
  const w = spawn();
  workers.push(w);
  return w;
});
afterAll(() => host.dispose());

describe('core worker (real core, cpu backend)', () => {
  it('opens the sample, lists its tree and validates a config off the main thread', async () => {
    const client = createClient(memoryTransport(host));
    const info = await client.call('app.info', {});
    expect(info.ok && info.value).toMatchObject({ mode: 'browser', backend: 'cpu', versions: { tfjs: expect.any(String) } });
    const sample = await client.call('model.openSample', {});
    if (!sample.ok) throw new Error(sample.error.message);
    expect(sample.value.adaptablePaths).toEqual(['fc1', 'fc2', 'classifier']);
    const tree = await client.call('model.tree', {});
    if (!tree.ok) throw new Error(tree.error.message);
    const fc1 = tree.value.nodes.find((n) => n.path === 'fc1');
    expect(fc1).toMatchObject({ type: 'Linear', inFeatures: 64, outFeatures: 128, numParams: 64 * 128 + 128 });
    const report = await client.call('config.validate', { config: { boft_block_size: 8, target_modules: ['fc1', 'fc2'] } });
    if (!report.ok) throw new Error(report.error.message);
    // fc1: d=64, b=8 → k=8: 8·64 + 128; fc2: d=128 → k=16: 16·64 + 128.
    expect(report.value.layers.map((l) => (l.status === 'valid' ? l.boftParams : -1))).toEqual([8 * 64 + 128, 16 * 64 + 128]);
    const run = await client.call('training.start', {
      adapterName: 'x', config: {}, dataset: { kind: 'sample' },
      hyper: { batchSize: 8, learningRate: 1e-3, weightDecay: 0, schedule: 'constant', warmupSteps: 0, maxGradNorm: 1, gradAccumulation: 1, evalEvery: 10, checkpointEvery: 10, earlyStoppingPatience: null, seed: 0, maxSteps: 2 },
    });
    expect(run.ok || run.error.code).toMatch(/^(NOT_WIRED|INVALID_CONFIG)$|^true$/);
    client.close();
  }, 60_000);

  it('reports a dead worker to the client and serves again from a fresh one', async () => {
    const client = createClient(memoryTransport(host));
    const events: StudioEvent[] = [];
    client.onAny((e) => events.push(e));
    await workers[0].terminate();
    await new Promise((r) => setTimeout(r, 200));
    expect(events.map((e) => e.type)).toEqual(['worker.crashed', 'worker.restarted']);
    // A fresh worker was spawned (serving from it is covered with the fake worker in core-host.test.ts).
    expect(workers).toHaveLength(2);
    client.close();
  }, 60_000);
});
