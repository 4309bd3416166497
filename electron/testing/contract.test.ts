// Contract tests over the in-memory transport: every channel once, typed errors, event
// order, cancellation, disconnects. The service runs on fakes of the core ports.
import { afterEach, describe, expect, it } from 'vitest';
import { createClient, type StudioClient } from '../shared/client';
import { methodNames, type MethodName, type StudioEvent } from '../shared/contract';
import { createLocalEndpoint, EventHub } from '../shared/endpoint';
import { memoryTransport } from '../shared/transports';
import { StudioService } from '../worker/service';
import { fakeDeps, type FakeDeps } from './fakes';
import type { HyperParams, Project } from '../shared/schemas';

const hyper: HyperParams = {
  batchSize: 4, learningRate: 1e-3, weightDecay: 0, schedule: 'constant', warmupSteps: 0, maxGradNorm: 1,
  gradAccumulation: 1, evalEvery: 5, checkpointEvery: 5, earlyStoppingPatience: null, seed: 0, maxSteps: 10,
};
const project: Project = { version: 1, name: 'p', model: { kind: 'sample' }, config: { boft_block_size: 4 }, hyper, dataset: { kind: 'sample' }, adapters: {}, runs: [] };

interface Rig {
  client: StudioClient;
  deps: FakeDeps;
  service: StudioService;
  events: { seq: number; event: StudioEvent }[];
  transport: ReturnType<typeof memoryTransport>;
  hub: EventHub;
}

const rigs: Rig[] = [];
function rig(): Rig {
  const deps = fakeDeps();
  const hub = new EventHub();
  const service = new StudioService(deps, (e) => hub.emit(e));
  const transport = memoryTransport(createLocalEndpoint(service.handlers(), hub));
  const client = createClient(transport);
  const events: Rig['events'] = [];
  client.onAny((event, seq) => events.push({ seq, event }));
  const r = { client, deps, service, events, transport, hub };
  rigs.push(r);
  return r;
}
afterEach(() => {
  for (const r of rigs.splice(0)) {
    r.client.close();
    r.service.dispose();
  }
});

async function value<M extends MethodName>(c: StudioClient, m: M, p: Parameters<typeof c.call<M>>[1]) {
  const r = await c.call(m, p);
  if (!r.ok) throw new Error(`${m} failed: ${r.error.code} ${r.error.message}`);
  return r.value;
}

describe('contract over the in-memory transport', () => {
  it('answers every channel with a value that passes its result schema', async () => {
    const { client, deps } = rig();
    const called = new Set<MethodName>();
    const call = async <M extends MethodName>(m: M, p: Parameters<typeof client.call<M>>[1]) => {
      called.add(m);
      return value(client, m, p);
    };
    expect((await call('app.info', {})).mode).toBe('test');
    expect((await call('model.openFolder', { path: '/models/x' })).source).toEqual({ kind: 'folder', path: '/models/x' });
    const summary = await call('model.openSample', {});
    expect(summary.adaptablePaths).toEqual(['blocks.0.0', 'blocks.0.1', 'blocks.1.0', 'blocks.1.1', 'head']);
    // Linear 8→16 + 16→8 with biases, twice, plus head 8→2: counted from the real modules.
    expect(summary.numParams).toBe(2 * (8 * 16 + 16 + 16 * 8 + 8) + (8 * 2 + 2));
    const tree = await call('model.tree', {});
    expect(tree.nodes.map((n) => n.path)).toEqual(['', 'blocks', 'blocks.0', 'blocks.0.0', 'blocks.0.1', 'blocks.1', 'blocks.1.0', 'blocks.1.1', 'head']);
    expect(tree.nodes[3]).toMatchObject({ type: 'Linear', inFeatures: 8, outFeatures: 16, parent: 2, depth: 3, numParams: 144, adaptable: true });
    expect(tree.nodes[1].totalParams).toBe(2 * (144 + 136));
    expect((await call('config.validate', { config: { boft_block_size: 16 } })).layers.map((l) => l.status)).toEqual(['invalid', 'valid']);
    const run = await call('training.start', { adapterName: 'a1', config: {}, hyper, dataset: { kind: 'sample' } });
    expect((await call('training.pause', { runId: run.runId })).state).toBe('paused');
    expect((await call('training.resume', { runId: run.runId })).state).toBe('running');
    deps.trainer.job?.step(1, 0.9);
    expect((await call('training.cancel', { runId: run.runId })).state).toBe('cancelling');
    deps.trainer.job?.finish('cancelled');
    expect((await call('runs.list', {})).runs[0].state).toBe('cancelled');
    expect((await call('runs.history', { runId: run.runId })).steps.map((s) => s.loss)).toEqual([0.9]);
    expect((await call('adapters.load', { path: '/a/b', adapterName: 'b' })).adapters.map((a) => a.name)).toEqual(['b']);
    await call('adapters.load', { path: '/a/c', adapterName: 'c' });
    expect((await call('adapters.activate', { names: ['c'] })).adapters.map((a) => a.active)).toEqual([false, true]);
    expect((await call('adapters.merge', { safeMerge: true })).agreement).toEqual({ maxAbsDiff: 0, samples: 4, batch: 'synthetic' });
    expect((await call('adapters.unmerge', {})).adapters.every((a) => !a.merged)).toBe(true);
    expect((await call('adapters.delete', { name: 'b' })).adapters.map((a) => a.name)).toEqual(['c']);
    expect((await call('adapters.list', {})).adapters).toHaveLength(1);
    expect((await call('export.adapter', { adapterName: 'c', dir: '/out', progressId: 'e1' })).files).toContain('adapter_model.safetensors');
    expect((await call('export.merged', { dir: '/out2', safeMerge: true })).files).toEqual(['model.safetensors']);
    expect((await call('adapters.mergeAndUnload', { safeMerge: false })).adapters).toEqual([]);
    expect((await call('adapters.unload', {})).model.numModules).toBe(9);
    expect(await call('project.save', { path: '/p.boftproj', project })).toEqual({ path: '/p.boftproj' });
    expect((await call('project.open', { path: '/p.boftproj' })).project).toEqual(project);
    expect((await call('project.recent', {})).paths).toEqual(['/p.boftproj']);
    const snap = await call('session.snapshot', {});
    expect(snap.projectPath).toBe('/p.boftproj');
    called.add('dialog.open'); // covered in the error test below
    expect(methodNames.filter((m) => !called.has(m))).toEqual([]);
  });

  it('returns typed errors, never exceptions', async () => {
    const { client, transport } = rig();
    const noModel = await client.call('model.tree', {});
    expect(noModel).toEqual({ ok: false, error: { code: 'NO_MODEL', message: expect.stringContaining('no model is open') } });
    const dialog = await client.call('dialog.open', { kind: 'folder' });
    expect(dialog.ok || dialog.error.code).toBe('UNSUPPORTED');
    const missing = await client.call('model.openFolder', { path: '/missing' });
    expect(missing.ok || missing.error.code).toBe('NOT_FOUND');
    const bad = await client.call('model.openFolder', { path: 42 } as never);
    expect(bad.ok || bad.error).toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringContaining('path') });
    const extra = await client.call('app.info', { sneaky: true } as never);
    expect(extra.ok || extra.error.code).toBe('INVALID_REQUEST');
    const unknown = await client.call('fs.readFile' as MethodName, {} as never);
    expect(unknown.ok || unknown.error).toMatchObject({ code: 'INVALID_REQUEST', message: "unknown method 'fs.readFile'" });
    await value(client, 'model.openSample', {});
    const delMissing = await client.call('adapters.delete', { name: 'nope' });
    expect(delMissing.ok || delMissing.error).toMatchObject({ code: 'NOT_FOUND', details: { adapters: [] } });
    const badRun = await client.call('training.start', { adapterName: 'x', config: {}, hyper: { ...hyper, learningRate: -1 }, dataset: { kind: 'sample' } });
    expect(badRun.ok || badRun.error).toMatchObject({ code: 'INVALID_CONFIG', message: expect.stringContaining('learningRate=-1') });
    const badName = await client.call('training.start', { adapterName: '../evil', config: {}, hyper, dataset: { kind: 'sample' } });
    expect(badName.ok || badName.error.code).toBe('INVALID_REQUEST');
    transport.dropConnection();
    const after = await client.call('app.info', {});
    expect(after.ok || after.error.code).toBe('DISCONNECTED');
  });

  it('delivers events in seq order with the training stream, and snapshots restore a reload', async () => {
    const { client, deps, events, hub, service } = rig();
    await value(client, 'model.openSample', {});
    const run = await value(client, 'training.start', { adapterName: 'a', config: {}, hyper, dataset: { kind: 'sample' } });
    const job = deps.trainer.job!;
    for (let s = 1; s <= 5; s++) job.step(s, 1 / s);
    job.sink.eval({ step: 5, loss: 0.3, accuracy: 0.9 });
    job.sink.diagnostics(5, [{ path: 'blocks.0.0', qMinusINorm: 0.1, orthoError: 1e-7, scaleDrift: 0.01 }]);
    const ckpt = job.checkpoint(5);
    await value(client, 'app.info', {}); // flush: responses and events share one ordered channel
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const types = events.map((e) => e.event.type);
    expect(types.slice(0, 4)).toEqual(['model.changed', 'adapters.changed', 'run.state', 'run.state']);
    expect(types.filter((t) => t === 'train.step')).toHaveLength(5);
    expect(types.slice(-3)).toEqual(['train.eval', 'train.diagnostics', 'train.checkpoint']);

    // A second client (a reloaded renderer) gets the whole run from the snapshot.
    const reloaded = createClient(memoryTransport(createLocalEndpoint(service.handlers(), hub)));
    const snap = await value(reloaded, 'session.snapshot', {});
    expect(snap.lastSeq).toBe(hub.lastSeq);
    expect(snap.activeRun?.summary).toMatchObject({ runId: run.runId, state: 'running', lastCheckpoint: ckpt });
    expect(snap.activeRun?.history.steps.map((s) => s.step)).toEqual([1, 2, 3, 4, 5]);
    const later: number[] = [];
    reloaded.on('train.step', (e, seq) => later.push(seq) && expect(e.metrics.step).toBe(6));
    job.step(6, 0.1);
    await value(reloaded, 'app.info', {});
    expect(later).toEqual([snap.lastSeq + 1]);
    reloaded.close();
  });

  it('cancels an in-flight request and reports a failed run', async () => {
    const { client, deps, events } = rig();
    await value(client, 'model.openSample', {});
    await value(client, 'adapters.load', { path: '/a', adapterName: 'a' });
    let release!: () => void;
    deps.engines[0].exportGate = new Promise((r) => (release = r));
    const ctl = new AbortController();
    const pending = client.call('export.adapter', { adapterName: 'a', dir: '/o', progressId: 'p1' }, { signal: ctl.signal });
    await new Promise((r) => setTimeout(r, 5));
    const busy = await client.call('training.start', { adapterName: 'b', config: {}, hyper, dataset: { kind: 'sample' } });
    expect(busy.ok || busy.error.code).toBe('BUSY');
    ctl.abort();
    release();
    const res = await pending;
    expect(res.ok || res.error.code).toBe('CANCELLED');
    const progress = events.filter((e) => e.event.type === 'export.progress').map((e) => e.event);
    expect(progress).toEqual([{ type: 'export.progress', progressId: 'p1', phase: 'writing', done: 0, total: 2 }]);

    const run = await value(client, 'training.start', { adapterName: 'b', config: {}, hyper, dataset: { kind: 'sample' } });
    deps.trainer.job?.fail('loss became NaN at step 3 (lr too high?)');
    await value(client, 'app.info', {});
    const runs = await value(client, 'runs.list', {});
    expect(runs.runs.find((r) => r.runId === run.runId)).toMatchObject({ state: 'failed', error: { code: 'INTERNAL', message: expect.stringContaining('NaN') } });
    const again = await client.call('training.pause', { runId: run.runId });
    expect(again.ok || again.error.code).toBe('INVALID_REQUEST');
  });
});
