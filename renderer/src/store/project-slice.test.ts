import { describe, expect, it } from 'vitest';
import { fakeRun, settle, testStore } from '../testing/fake-studio';

describe('project slice', () => {
  it('opens the sample: tree folded, config reset, recents loaded, view switched', async () => {
    const { store, fake } = testStore();
    await store.getState().openSample();
    await settle();
    const s = store.getState();
    expect(s.model?.name).toBe('sample');
    expect(s.rows.length).toBe(3 + 4 * 7 + 1);
    expect(s.view).toBe('config');
    expect(s.config.base_model_name_or_path).toBe('sample');
    expect(s.recent).toEqual(['/home/u/proj.boftproj']);
    expect(fake.calls.map((c) => c.method)).toEqual(expect.arrayContaining(['model.openSample', 'model.tree', 'adapters.list', 'runs.list']));
    const layers = s.viewTree?.children[0].children[0];
    expect(layers?.children[0].fold).toEqual({ first: 0, last: 3, count: 4 });
  });

  it('shows the service error and keeps the previous model when a folder fails to open', async () => {
    const { store } = testStore();
    await store.getState().openSample();
    await store.getState().openFolder('/nope');
    const s = store.getState();
    expect(s.projectError).toBe('no model at /nope (NOT_FOUND)');
    expect(s.model?.name).toBe('sample');
  });

  it('refuses an empty folder path without calling the service', async () => {
    const { store, fake } = testStore();
    await store.getState().openFolder('  ');
    expect(store.getState().projectError).toMatch(/folder of a model/);
    expect(fake.calls.some((c) => c.method === 'model.openFolder')).toBe(false);
  });

  it('hydrates from the session snapshot, restoring the run in progress', async () => {
    const run = fakeRun('r7');
    const { store } = testStore({
      'session.snapshot': async () => ({
        lastSeq: 0, model: null, adapters: [], runs: [run], projectPath: null,
        recoverableCheckpoint: { runId: 'r6', step: 40, path: '/ck/40' },
        activeRun: { summary: run, history: { runId: 'r7', steps: [{ step: 1, totalSteps: 10, epoch: 0, loss: 2, lr: 0.1, gradNorm: 1, samplesPerSec: 5, etaSec: 9, elapsedSec: 1 }], evals: [], diagnostics: [] } },
      }),
    });
    await store.getState().hydrate();
    const s = store.getState();
    expect(s.appInfo?.mode).toBe('test');
    expect(s.runs).toHaveLength(1);
    expect(s.run?.runId).toBe('r7');
    expect(s.series.trainLoss.length).toBe(1);
    expect(s.crash?.lastCheckpoint?.step).toBe(40);
  });

  it('reacts to worker.crashed and model.changed events', async () => {
    const { store, fake } = testStore();
    await store.getState().openSample();
    fake.emit({ type: 'worker.crashed', reason: 'out of memory', lastCheckpoint: null });
    fake.emit({ type: 'model.changed', model: null });
    await settle();
    expect(store.getState().crash?.reason).toBe('out of memory');
    expect(store.getState().model).toBeNull();
    expect(store.getState().view).toBe('home');
  });
});

describe('projects and dialogs', () => {
  it('hides Browse after the service says dialogs are unsupported', async () => {
    const { store } = testStore({
      'dialog.open': async () => {
        const { StudioError } = await import('../../../electron/shared');
        throw new StudioError('UNSUPPORTED', 'no dialogs in browser mode');
      },
    });
    await store.getState().browseFolder();
    expect(store.getState().dialogs).toBe(false);
    expect(store.getState().projectError).toBeNull();
  });

  it('saves a project with the edited config and opens it back', async () => {
    let saved: unknown = null;
    const { store } = testStore({
      'project.save': async (p) => {
        saved = p.project;
        return { path: p.path };
      },
      'project.open': async (p) => ({ project: saved as never, path: p.path }),
    });
    await store.getState().openSample();
    store.getState().setField('boft_block_size', 8);
    store.getState().setHyper('learningRate', 0.02);
    await store.getState().saveProject('/p/a.boftproj');
    expect(saved).toMatchObject({ version: 1, name: 'sample', model: { kind: 'sample' }, config: { boft_block_size: 8 }, hyper: { learningRate: 0.02 } });
    store.getState().setField('boft_block_size', 2);
    await store.getState().openProject('/p/a.boftproj');
    expect(store.getState().config.boft_block_size).toBe(8);
    expect(store.getState().projectPath).toBe('/p/a.boftproj');
  });
});
