// The real thing, headless: a CoreHost on the real core worker thread (tsx), the real
// sample model, real config validation; then a real worker death and recovery.
import { afterAll, describe, expect, it } from 'vitest';
import { CoreHost } from './core-host';
import { coreWorkerFactory } from './worker-factory';
import { createClient } from '../shared/client';
import { memoryTransport } from '../shared/transports';
import type { StudioEvent } from '../shared/contract';
import type { WorkerLike } from './host-protocol';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const home = mkdtempSync(join(tmpdir(), 'boft-studio-home-'));
const workers: WorkerLike[] = [];
const spawn = coreWorkerFactory({ backend: 'cpu', mode: 'browser', env: { ...process.env, BOFT_STUDIO_HOME: home } });
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
    client.close();
  }, 60_000);

  it('trains the sample for real, streaming ordered events, then exports and reloads the adapter', async () => {
    const client = createClient(memoryTransport(host));
    const events: { seq: number; e: StudioEvent }[] = [];
    client.onAny((e, seq) => events.push({ seq, e }));
    expect((await client.call('model.openSample', {})).ok).toBe(true); // a fresh model: this test stands alone
    const finished = new Promise<string>((ok) => client.on('run.state', (e) => ['completed', 'cancelled', 'failed'].includes(e.state) && ok(e.state)));
    const run = await client.call('training.start', {
      adapterName: 'digits', config: { target_modules: ['fc1', 'fc2'], boft_block_size: 8, boft_n_butterfly_factor: 2 }, dataset: { kind: 'sample' },
      hyper: { batchSize: 16, learningRate: 1e-2, weightDecay: 0, schedule: 'constant', warmupSteps: 0, maxGradNorm: 1, gradAccumulation: 1, evalEvery: 2, checkpointEvery: 2, earlyStoppingPatience: null, seed: 0, maxSteps: 4 },
    });
    if (!run.ok) throw new Error(`${run.error.code}: ${run.error.message}`);
    expect(await finished).toBe('completed');
    expect(events.map((x) => x.seq)).toEqual(events.map((_, i) => events[0].seq + i));
    const steps = events.flatMap((x) => (x.e.type === 'train.step' ? [x.e.metrics] : []));
    expect(steps.map((s) => s.step)).toEqual([1, 2, 3, 4]);
    for (const s of steps) expect(Number.isFinite(s.loss)).toBe(true);
    const diag = events.flatMap((x) => (x.e.type === 'train.diagnostics' ? x.e.layers : []));
    expect(diag.map((l) => l.path)).toContain('fc1');
    for (const l of diag) expect(l.orthoError).toBeLessThan(1e-5);
    expect(events.some((x) => x.e.type === 'train.eval')).toBe(true);
    const ckpt = events.find((x) => x.e.type === 'train.checkpoint');
    expect(ckpt && ckpt.e.type === 'train.checkpoint' && existsSync(ckpt.e.checkpoint.path)).toBe(true);
    const list = await client.call('adapters.list', {});
    expect(list.ok && list.value.adapters.map((a) => [a.name, a.targetPaths])).toEqual([['digits', ['fc1', 'fc2']]]);
    const out = join(home, 'export-digits');
    const exported = await client.call('export.adapter', { adapterName: 'digits', dir: out });
    expect(exported.ok && exported.value.files).toEqual(['adapter_config.json', 'adapter_model.safetensors']);
    const reloaded = await client.call('adapters.load', { path: out, adapterName: 'again' });
    if (!reloaded.ok) throw new Error(reloaded.error.message);
    const [a, b] = reloaded.value.adapters;
    expect(b).toMatchObject({ name: 'again', numParams: a.numParams, targetPaths: a.targetPaths, origin: { kind: 'loaded', path: out } });
    const mergedDir = join(home, 'merged');
    const merged = await client.call('export.merged', { dir: mergedDir, names: ['digits'], safeMerge: true, progressId: 'm1' });
    if (!merged.ok) throw new Error(`${merged.error.code}: ${merged.error.message}`);
    expect(merged.value.files).toEqual(expect.arrayContaining(['config.json', 'model.safetensors']));
    expect(merged.value.files.some((f) => f.startsWith('.'))).toBe(false);
    const progress = events.flatMap((x) => (x.e.type === 'export.progress' && x.e.progressId === 'm1' ? [x.e.done] : []));
    expect(progress).toEqual([0, 1, 2]);
    // The export worked on a copy: the studio's adapters are still there, unmerged.
    const after = await client.call('adapters.list', {});
    expect(after.ok && after.value.adapters.map((x) => [x.name, x.merged])).toEqual([['digits', false], ['again', false]]);
    // Merging the active adapter keeps outputs (fp32: logits of size ~10 agree to ~1e-5 relative).
    expect((await client.call('adapters.activate', { names: ['digits'] })).ok).toBe(true);
    const merge = await client.call('adapters.merge', { safeMerge: true });
    if (!merge.ok) throw new Error(merge.error.message);
    // The held-out batch is the run's validation split (64 examples), not a synthetic probe.
    expect(merge.value.agreement).toMatchObject({ samples: 64, batch: 'validation' });
    expect(merge.value.agreement?.maxAbsDiff).toBeLessThan(2e-4);
    expect(merge.value.adapters.find((x) => x.name === 'digits')?.merged).toBe(true);
    expect((await client.call('adapters.unmerge', {})).ok).toBe(true);
    // Merging an inactive adapter changes outputs by design: no agreement is claimed.
    const other = await client.call('adapters.merge', { names: ['again'], safeMerge: true });
    expect(other.ok && other.value.agreement).toBeNull();
    client.close();
  }, 120_000);


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
