// A fake studio service for store tests: the real contract client, transport, dispatcher and
// event hub, with in-memory handlers. Results still pass the contract's schemas, so a fake
// that drifts from the contract fails the tests instead of hiding a mismatch.
import { createClient, memoryTransport, StudioError, type StudioClient } from '../../../electron/shared';
import { createLocalEndpoint, EventHub } from '../../../electron/shared/endpoint';
import type { Handlers } from '../../../electron/shared/dispatcher';
import type { AdapterInfo, ModelSummary, ModuleNode, RunSummary, StudioEvent } from '../api';
import { createStudioStore, type StudioStore } from '../store';
import { bindStore } from '../store/bind';

type Node = Omit<ModuleNode, 'parent' | 'depth' | 'name' | 'totalParams' | 'childCount'>;

const lin = (path: string, i: number, o: number): Node => ({
  path, type: 'Linear', inFeatures: i, outFeatures: o, params: { weight: [o, i], bias: [o] }, numParams: o * i + o, adaptable: true,
});
const box = (path: string, type: string): Node => ({ path, type, params: {}, numParams: 0, adaptable: false });

/** A 4-block encoder: attention q/v (64→64), MLP fc1 (64→96), fc2 (96→64), a classifier. */
export function sampleNodes(layers = 4): ModuleNode[] {
  const flat: Node[] = [box('', 'SampleModel'), box('encoder', 'Encoder'), box('encoder.layers', 'ModuleList')];
  for (let i = 0; i < layers; i++) {
    const p = `encoder.layers.${i}`;
    flat.push(box(p, 'Block'), box(`${p}.attn`, 'Attention'), lin(`${p}.attn.q_proj`, 64, 64), lin(`${p}.attn.v_proj`, 64, 64));
    flat.push(box(`${p}.mlp`, 'MLP'), lin(`${p}.mlp.fc1`, 64, 96), lin(`${p}.mlp.fc2`, 96, 64));
  }
  flat.push(lin('classifier', 64, 10));
  const index = new Map(flat.map((n, i) => [n.path, i]));
  const nodes: ModuleNode[] = flat.map((n) => {
    const dot = n.path.lastIndexOf('.');
    const parent = n.path === '' ? -1 : index.get(dot < 0 ? '' : n.path.slice(0, dot)) ?? -1;
    return { ...n, name: n.path.slice(dot + 1), parent, depth: n.path === '' ? 0 : n.path.split('.').length, totalParams: n.numParams, childCount: 0 };
  });
  for (let i = nodes.length - 1; i > 0; i--) {
    nodes[nodes[i].parent].totalParams += nodes[i].totalParams;
    nodes[nodes[i].parent].childCount++;
  }
  return nodes;
}

export function sampleSummary(nodes: ModuleNode[]): ModelSummary {
  return {
    name: 'sample', source: { kind: 'sample' }, architecture: 'sample-mlp', numModules: nodes.length, numParams: nodes[0].totalParams,
    trainableParams: 0, adaptablePaths: nodes.filter((n) => n.adaptable).map((n) => n.path),
  };
}

export function fakeRun(runId: string, state: RunSummary['state'] = 'running'): RunSummary {
  return {
    runId, adapterName: 'default', state, startedAt: '2026-11-29T12:00:00Z', config: { boft_block_size: 4 },
    hyper: { batchSize: 8, learningRate: 0.001, weightDecay: 0, schedule: 'constant', warmupSteps: 0, maxGradNorm: 1, gradAccumulation: 1, evalEvery: 10, checkpointEvery: 50, earlyStoppingPatience: null, seed: 0 },
    dataset: { kind: 'sample' }, lastStep: null, lastEval: null, lastCheckpoint: null, bundlePath: `/runs/${runId}`, error: null,
  };
}

export function fakeAdapter(name: string, over: Partial<AdapterInfo> = {}): AdapterInfo {
  return { name, active: true, merged: false, config: { boft_block_size: 4 }, numParams: 1234, targetPaths: ['encoder.layers.0.attn.q_proj'], origin: { kind: 'new' }, ...over };
}

const unwired = (): Promise<never> => Promise.reject(new StudioError('NOT_WIRED', 'not in the fake'));

export interface FakeStudio {
  client: StudioClient;
  hub: EventHub;
  calls: { method: string; params: unknown }[];
  emit(event: StudioEvent): void;
}

/** Builds a client over the fake; `over` replaces handlers per test. */
export function fakeStudio(over: Partial<Handlers> = {}): FakeStudio {
  const nodes = sampleNodes();
  const model = sampleSummary(nodes);
  const hub = new EventHub();
  const calls: FakeStudio['calls'] = [];
  const base: Handlers = {
    'app.info': async () => ({ appVersion: '0.1.0', mode: 'test', backend: 'cpu', platform: 'linux', versions: {} }),
    'session.snapshot': async () => ({ lastSeq: 0, model: null, adapters: [], runs: [], activeRun: null, recoverableCheckpoint: null, projectPath: null }),
    'dialog.open': unwired,
    'model.openSample': async () => model,
    'model.openFolder': async (p) => {
      throw new StudioError('NOT_FOUND', `no model at ${p.path}`);
    },
    'model.tree': async () => ({ nodes }),
    'config.validate': async () => ({ configErrors: [], layers: [], totalBoftParams: 0, baseParams: model.numParams, trainableShare: 0, adapterBytes: 0 }),
    'training.start': async (p) => ({ ...fakeRun('run-1'), adapterName: p.adapterName }),
    'training.pause': async (p) => fakeRun(p.runId, 'paused'),
    'training.resume': async (p) => fakeRun(p.runId, 'running'),
    'training.cancel': async (p) => fakeRun(p.runId, 'cancelling'),
    'runs.list': async () => ({ runs: [] }),
    'runs.history': async (p) => ({ runId: p.runId, steps: [], evals: [], diagnostics: [] }),
    'adapters.list': async () => ({ adapters: [] }),
    'adapters.load': unwired,
    'adapters.activate': unwired,
    'adapters.merge': unwired,
    'adapters.unmerge': unwired,
    'adapters.mergeAndUnload': unwired,
    'adapters.unload': unwired,
    'adapters.delete': unwired,
    'export.adapter': unwired,
    'export.merged': unwired,
    'project.open': unwired,
    'project.save': unwired,
    'project.recent': async () => ({ paths: ['/home/u/proj.boftproj'] }),
  };
  const merged = { ...base, ...over } as Handlers;
  const logged = Object.fromEntries(
    Object.entries(merged).map(([method, h]) => [method, (params: unknown, ctx: unknown) => {
      calls.push({ method, params });
      return (h as (p: unknown, c: unknown) => Promise<unknown>)(params, ctx);
    }]),
  ) as unknown as Handlers;
  const client = createClient(memoryTransport(createLocalEndpoint(logged, hub)));
  return { client, hub, calls, emit: (e) => void hub.emit(e) };
}

/** Lets queued microtasks and transport hops settle. */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setTimeout(r, 0));
}


export interface TestStore {
  store: StudioStore;
  fake: FakeStudio;
  /** Runs the callbacks the store scheduled for the next frame; returns how many ran. */
  frame(): number;
}

export function testStore(over: Partial<Handlers> = {}, debounceMs = 5): TestStore {
  const fake = fakeStudio(over);
  const queued: (() => void)[] = [];
  const store = createStudioStore({ api: fake.client, debounceMs, schedule: (fn) => queued.push(fn) });
  bindStore(fake.client, store);
  return {
    store, fake,
    frame: () => {
      const fns = queued.splice(0);
      fns.forEach((f) => f());
      return fns.length;
    },
  };
}
