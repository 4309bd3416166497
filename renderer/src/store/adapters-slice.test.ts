import { describe, expect, it } from 'vitest';
import { StudioError } from '../../../electron/shared';
import type { AdapterInfo } from '../api';
import { fakeAdapter, settle, testStore } from '../testing/fake-studio';

function gate(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
let exportGate = gate();

function withAdapters(initial: AdapterInfo[]) {
  let list = initial;
  return testStore({
    'adapters.list': async () => ({ adapters: list }),
    'adapters.merge': async (p) => {
      list = list.map((a) => (p.names?.includes(a.name) ? { ...a, merged: true } : a));
      return { adapters: list, agreement: { maxAbsDiff: 3.1e-7, samples: 64, batch: 'validation' } };
    },
    'adapters.delete': async (p) => {
      if (!list.some((a) => a.name === p.name)) throw new StudioError('NOT_FOUND', `no adapter ${p.name}`);
      list = list.filter((a) => a.name !== p.name);
      return { adapters: list };
    },
    'export.adapter': async (p) => {
      await exportGate.promise;
      return { dir: p.dir, files: ['adapter_config.json', 'adapter_model.safetensors'], bytes: 992 };
    },
    'adapters.load': async (p) => {
      list = [...list, fakeAdapter(p.adapterName, { origin: { kind: 'loaded', path: p.path } })];
      return { adapters: list };
    },
  });
}

describe('adapters slice', () => {
  it('asks before acting, saying what will change, and does nothing on cancel', async () => {
    const { store, fake } = withAdapters([fakeAdapter('a', { targetPaths: ['x', 'y'] })]);
    await store.getState().refreshAdapters();
    store.getState().requestAction('a', 'merge', true);
    const p = store.getState().pending;
    expect(p?.effect).toMatch(/'a' is folded into the base weights of its 2 layers/);
    expect(p?.effect).toMatch(/Safe merge/);
    store.getState().cancelAction();
    expect(store.getState().pending).toBeNull();
    expect(fake.calls.some((c) => c.method === 'adapters.merge')).toBe(false);
  });

  it('merges on confirm and shows the agreement from the service', async () => {
    const { store, fake } = withAdapters([fakeAdapter('a')]);
    await store.getState().refreshAdapters();
    store.getState().requestAction('a', 'merge', true);
    await store.getState().confirmAction();
    const s = store.getState();
    expect(s.adapters[0].merged).toBe(true);
    expect(s.lastMerge).toEqual({ agreement: { maxAbsDiff: 3.1e-7, samples: 64, batch: 'validation' } });
    expect(fake.calls.find((c) => c.method === 'adapters.merge')?.params).toEqual({ names: ['a'], safeMerge: true });
  });

  it('describes every action distinctly', async () => {
    const { store } = withAdapters([fakeAdapter('a'), fakeAdapter('b', { merged: true })]);
    await store.getState().refreshAdapters();
    const texts = (['activate', 'merge', 'unmerge', 'merge_and_unload', 'unload', 'delete'] as const).map((a) => {
      store.getState().requestAction('a', a);
      return store.getState().pending?.effect;
    });
    expect(new Set(texts).size).toBe(6);
    expect(texts[2]).toMatch(/'b' is taken back out/);
    expect(texts[4]).toMatch(/All 2 adapter wrappers are removed/);
  });

  it('names the adapters it has when asked for a missing one, and surfaces service errors', async () => {
    const { store } = withAdapters([fakeAdapter('a')]);
    await store.getState().refreshAdapters();
    store.getState().requestAction('zzz', 'delete');
    expect(store.getState().adapterError).toBe("No adapter named 'zzz' (have: a)");
    store.setState({ pending: { name: 'gone', action: 'delete', safeMerge: false, effect: '' } });
    await store.getState().confirmAction();
    expect(store.getState().adapterError).toBe('no adapter gone (NOT_FOUND)');
    expect(store.getState().adapterBusy).toBe(false);
  });

  it('exports with progress from its own progress events only, then loads the export back', async () => {
    const { store, fake } = withAdapters([fakeAdapter('a')]);
    await store.getState().refreshAdapters();
    const done = store.getState().exportAdapter('a', '/out/a');
    const id = store.getState().exportJob?.progressId ?? '';
    fake.emit({ type: 'export.progress', progressId: 'someone-else', phase: 'x', done: 9, total: 9 });
    fake.emit({ type: 'export.progress', progressId: id, phase: 'writing tensors', done: 1, total: 2 });
    await settle();
    expect(store.getState().exportJob).toMatchObject({ done: 1, total: 2, phase: 'writing tensors', finished: false });
    exportGate.resolve();
    await done;
    exportGate = gate();
    expect(store.getState().exportJob).toMatchObject({ finished: true, bytes: 992, files: ['adapter_config.json', 'adapter_model.safetensors'] });
    await store.getState().loadAdapter('/out/a', 'a_loaded');
    expect(store.getState().adapters.map((a) => a.name)).toEqual(['a', 'a_loaded']);
  });

  it('follows adapters.changed events', async () => {
    const { store, fake } = withAdapters([]);
    fake.emit({ type: 'adapters.changed', adapters: [fakeAdapter('z')] });
    await settle();
    expect(store.getState().adapters.map((a) => a.name)).toEqual(['z']);
  });
});

describe('a merge without an agreement check', () => {
  it('records that the service ran none', async () => {
    const { store } = testStore({
      'adapters.list': async () => ({ adapters: [fakeAdapter('a')] }),
      'adapters.merge': async () => ({ adapters: [fakeAdapter('a', { merged: true })], agreement: null }),
    });
    await store.getState().refreshAdapters();
    store.getState().requestAction('a', 'merge');
    await store.getState().confirmAction();
    expect(store.getState().lastMerge).toEqual({ agreement: null });
  });
});
