// CoreHost with an in-process fake worker: payload validation before the worker, event
// numbering, local methods, and crash handling (typed failures, checkpoint offered, restart).
import { afterEach, describe, expect, it } from 'vitest';
import { CoreHost } from './core-host';
import type { HostToWorker, WorkerLike } from './host-protocol';
import { attachToHost, eventSink, type PortLike } from '../worker/worker-port';
import { StudioService } from '../worker/service';
import { fakeDeps, type FakeDeps } from '../testing/fakes';
import { createClient, type StudioClient } from '../shared/client';
import { memoryTransport } from '../shared/transports';
import type { StudioEvent } from '../shared/contract';
import type { HyperParams } from '../shared/schemas';

const hyper: HyperParams = {
  batchSize: 4, learningRate: 1e-3, weightDecay: 0, schedule: 'constant', warmupSteps: 0, maxGradNorm: 1,
  gradAccumulation: 1, evalEvery: 5, checkpointEvery: 5, earlyStoppingPatience: null, seed: 0, maxSteps: 10,
};
const clone = <T>(m: T): T => structuredClone(m);

class FakeWorker implements WorkerLike {
  readonly posted: HostToWorker[] = [];
  readonly deps: FakeDeps = fakeDeps();
  terminated = false;
  private readonly hostListeners: { message: ((m: unknown) => void)[]; error: ((e: Error) => void)[]; exit: ((c: number) => void)[] } = { message: [], error: [], exit: [] };
  private readonly portListeners: ((m: unknown) => void)[] = [];

  constructor() {
    const port: PortLike = {
      postMessage: (m) => queueMicrotask(() => !this.terminated && this.hostListeners.message.forEach((l) => l(clone(m)))),
      on: (_e, l) => this.portListeners.push(l),
    };
    const service = new StudioService(this.deps, eventSink(port));
    attachToHost(port, service.handlers());
  }
  postMessage(m: HostToWorker): void {
    this.posted.push(m);
    queueMicrotask(() => !this.terminated && this.portListeners.forEach((l) => l(clone(m))));
  }
  on(event: 'message' | 'error' | 'exit', listener: never): void {
    (this.hostListeners[event] as unknown[]).push(listener);
  }
  crash(code = 1): void {
    this.terminated = true;
    this.hostListeners.exit.forEach((l) => l(code));
  }
  async terminate(): Promise<number> {
    this.terminated = true;
    return 0;
  }
}

const hosts: CoreHost[] = [];
function setup(options: ConstructorParameters<typeof CoreHost>[1] = {}) {
  const workers: FakeWorker[] = [];
  const host = new CoreHost(() => {
    const w = new FakeWorker();
    workers.push(w);
    return w;
  }, options);
  hosts.push(host);
  const client = createClient(memoryTransport(host));
  const events: StudioEvent[] = [];
  client.onAny((e) => events.push(e));
  return { host, workers, client, events };
}
afterEach(async () => {
  for (const h of hosts.splice(0)) await h.dispose();
});

async function value<M extends Parameters<StudioClient['call']>[0]>(c: StudioClient, m: M, p: Parameters<typeof c.call<M>>[1]) {
  const r = await c.call(m, p);
  if (!r.ok) throw new Error(`${m}: ${r.error.code} ${r.error.message}`);
  return r.value;
}

describe('CoreHost', () => {
  it('relays valid calls to the worker and rejects malformed ones before it', async () => {
    const { client, workers } = setup();
    expect((await value(client, 'model.openSample', {})).numModules).toBe(9);
    const before = workers[0].posted.length;
    const bad = await client.call('model.openFolder', { path: '' });
    expect(bad.ok || bad.error.code).toBe('INVALID_REQUEST');
    const unknown = await client.call('process.exit' as never, {} as never);
    expect(unknown.ok || unknown.error.code).toBe('INVALID_REQUEST');
    expect(workers[0].posted.length).toBe(before);
  });

  it('answers host-local methods itself', async () => {
    const { client, workers } = setup({ local: { 'dialog.open': async (p) => ({ path: `/picked/${p.kind}` }) } });
    expect(await value(client, 'dialog.open', { kind: 'folder' })).toEqual({ path: '/picked/folder' });
    expect(workers[0].posted).toEqual([]);
  });

  it('survives a worker crash: in-flight calls fail typed, the checkpoint is offered, a new worker serves', async () => {
    const { client, workers, events } = setup();
    await value(client, 'model.openSample', {});
    const run = await value(client, 'training.start', { adapterName: 'a', config: {}, hyper, dataset: { kind: 'sample' } });
    const job = workers[0].deps.trainer.job!;
    job.step(1, 1);
    job.checkpoint(5);
    await value(client, 'app.info', {});
    await value(client, 'training.cancel', { runId: run.runId });
    job.finish('cancelled');
    await value(client, 'app.info', {});
    await value(client, 'adapters.load', { path: '/x', adapterName: 'x' });
    let release!: () => void;
    workers[0].deps.engines[0].exportGate = new Promise((r) => (release = r));
    const inflight = client.call('export.adapter', { adapterName: 'x', dir: '/o' });
    await new Promise((r) => setTimeout(r, 5));
    workers[0].crash(134);
    const res = await inflight;
    expect(res).toEqual({ ok: false, error: { code: 'WORKER_CRASHED', message: 'the core worker exited with code 134' } });
    release();
    expect(workers).toHaveLength(2);
    const crash = events.find((e) => e.type === 'worker.crashed');
    // The run had ended (cancelled) before the crash, so nothing is offered for resuming.
    expect(crash).toEqual({ type: 'worker.crashed', reason: 'the core worker exited with code 134', lastCheckpoint: null });
    expect(events.at(-1)).toEqual({ type: 'worker.restarted' });

    // A crash during a live run offers its last checkpoint, also in later snapshots.
    await value(client, 'model.openSample', {});
    const run2 = await value(client, 'training.start', { adapterName: 'b', config: {}, hyper, dataset: { kind: 'sample' } });
    const ck2 = workers[1].deps.trainer.job!.checkpoint(7);
    await value(client, 'app.info', {});
    workers[1].crash(1);
    await new Promise((r) => setTimeout(r, 1));
    expect(events.filter((e) => e.type === 'worker.crashed').at(-1)).toMatchObject({ lastCheckpoint: { runId: run2.runId, step: 7, path: ck2.path } });
    const snap = await value(client, 'session.snapshot', {});
    expect(snap.recoverableCheckpoint).toEqual(ck2);
    expect(snap.model).toBeNull();
    expect(snap.lastSeq).toBe(client.lastSeq);
  });

  it('stops restarting a worker that keeps crashing and says why', async () => {
    const { client, workers, events } = setup({ maxCrashes: 2 });
    for (let i = 0; i < 3; i++) workers.at(-1)!.crash(1);
    expect(workers).toHaveLength(3);
    const r = await client.call('app.info', {});
    expect(r.ok || r.error).toMatchObject({ code: 'WORKER_CRASHED', message: expect.stringContaining('crashed 3 times') });
    expect(events.at(-1)).toMatchObject({ type: 'log', level: 'error' });
  });
});
