import { describe, expect, it } from 'vitest';
import { fakeRun, testStore } from '../testing/fake-studio';

describe('history slice', () => {
  it('lists runs, keeps two picks, and compares their curves and configs', async () => {
    const r1 = { ...fakeRun('r1', 'completed'), config: { boft_block_size: 4, target_modules: ['q_proj'] } };
    const r2 = { ...fakeRun('r2', 'completed'), config: { boft_block_size: 8, target_modules: ['q_proj'], boft_n_butterfly_factor: 2 } };
    const r3 = fakeRun('r3', 'cancelled');
    const { store } = testStore({
      'runs.list': async () => ({ runs: [r1, r2, r3] }),
      'runs.history': async (p) => ({ runId: p.runId, steps: [{ step: 1, totalSteps: 2, epoch: 0, loss: p.runId === 'r1' ? 1 : 2, lr: 0.1, gradNorm: 1, samplesPerSec: 1, etaSec: 1, elapsedSec: 1 }], evals: [], diagnostics: [] }),
    });
    await store.getState().refreshRuns();
    expect(store.getState().runs).toHaveLength(3);
    await store.getState().loadComparison();
    expect(store.getState().historyError).toBe('Pick two runs to compare.');
    for (const id of ['r3', 'r1', 'r2']) store.getState().toggleCompare(id);
    expect(store.getState().compareIds).toEqual(['r1', 'r2']);
    await store.getState().loadComparison();
    const c = store.getState().comparison;
    expect(c?.historyA.steps[0].loss).toBe(1);
    expect(c?.historyB.steps[0].loss).toBe(2);
    expect(c?.diff).toEqual([
      { field: 'boft_block_size', a: '4', b: '8' },
      { field: 'boft_n_butterfly_factor', a: '1', b: '2' },
    ]);
    store.getState().toggleCompare('r1');
    expect(store.getState().compareIds).toEqual(['r2']);
    expect(store.getState().comparison).toBeNull();
  });
});
