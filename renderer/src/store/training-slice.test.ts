import { describe, expect, it } from 'vitest';
import type { StepMetrics } from '../api';
import { fakeRun, settle, testStore } from '../testing/fake-studio';

const step = (i: number, loss: number | null = 1 / (i + 1)): StepMetrics => ({
  step: i, totalSteps: 100, epoch: 0, loss, lr: 0.001, gradNorm: 0.5, samplesPerSec: 40, etaSec: 100 - i, elapsedSec: i,
});

describe('training slice', () => {
  it('starts a run with the edited config and settings', async () => {
    const { store, fake } = testStore();
    store.getState().setHyper('learningRate', 0.01);
    store.getState().setAdapterName('digits');
    await store.getState().startTraining();
    const call = fake.calls.find((c) => c.method === 'training.start');
    expect(call?.params).toMatchObject({ adapterName: 'digits', hyper: { learningRate: 0.01 }, dataset: { kind: 'sample' }, config: { boft_block_size: 4 } });
    expect(store.getState().run?.runId).toBe('run-1');
    expect(store.getState().runState).toBe('running');
  });

  it('coalesces a burst of step events into one redraw per frame, keeping every point', async () => {
    const { store, fake, frame } = testStore();
    await store.getState().startTraining();
    const v0 = store.getState().chartVersion;
    for (let i = 0; i < 500; i++) fake.emit({ type: 'train.step', runId: 'run-1', metrics: step(i) });
    fake.emit({ type: 'train.eval', runId: 'run-1', metrics: { step: 499, loss: 0.3, accuracy: 0.9 } });
    fake.emit({ type: 'train.diagnostics', runId: 'run-1', step: 499, layers: [{ path: 'a', qMinusINorm: 0.1, orthoError: 1e-7, scaleDrift: 0.02 }, { path: 'b', qMinusINorm: 0.3, orthoError: 2e-7, scaleDrift: null }] });
    await settle();
    expect(frame()).toBe(1);
    const s = store.getState();
    expect(s.chartVersion).toBe(v0 + 1);
    expect(s.series.trainLoss.length).toBe(500);
    expect(s.series.trainLoss.y()[499]).toBe(1 / 500);
    expect(s.latest?.step).toBe(499);
    expect(s.lastEval?.accuracy).toBe(0.9);
    expect(s.series.maxQMinusI.last()).toBe(0.3);
    expect(s.series.maxOrthoError.last()).toBe(2e-7);
    expect(s.layerDiagnostics).toHaveLength(2);
    expect(frame()).toBe(0);
  });

  it('carries a diverged loss (null on the wire) as a gap', async () => {
    const { store, fake, frame } = testStore();
    fake.emit({ type: 'train.step', runId: 'run-1', metrics: step(0, null) });
    await settle();
    frame();
    expect(Number.isNaN(store.getState().series.trainLoss.y()[0])).toBe(true);
  });

  it('pause, resume and cancel address the current run; run.state events drive the state', async () => {
    const { store, fake } = testStore();
    await store.getState().pauseTraining();
    expect(store.getState().runMessage).toBe('No run in progress.');
    await store.getState().startTraining();
    await store.getState().pauseTraining();
    expect(store.getState().runState).toBe('paused');
    await store.getState().resumeTraining();
    expect(store.getState().runState).toBe('running');
    await store.getState().cancelTraining();
    expect(store.getState().runState).toBe('cancelling');
    expect(fake.calls.filter((c) => c.method.startsWith('training.') && c.method !== 'training.start').map((c) => c.params)).toEqual([{ runId: 'run-1' }, { runId: 'run-1' }, { runId: 'run-1' }]);
    fake.emit({ type: 'run.state', runId: 'run-1', state: 'cancelled', summary: fakeRun('run-1', 'cancelled') });
    fake.emit({ type: 'train.checkpoint', checkpoint: { runId: 'run-1', step: 12, path: '/ck' } });
    await settle();
    expect(store.getState().runState).toBe('cancelled');
    expect(store.getState().lastCheckpoint?.step).toBe(12);
    expect(fake.calls.filter((c) => c.method === 'adapters.list').length).toBeGreaterThan(0);
  });

  it('reports a refused start as failed, with the service message', async () => {
    const { store } = testStore({
      'training.start': async () => {
        const { StudioError } = await import('../../../electron/shared');
        throw new StudioError('INVALID_CONFIG', 'encoder.layers.0.mlp.fc2 (96→64): block size 5 does not divide 96; valid: 4, 6, 8');
      },
    });
    await store.getState().startTraining();
    expect(store.getState().runState).toBe('failed');
    expect(store.getState().runMessage).toMatch(/fc2 \(96→64\).*INVALID_CONFIG/);
  });
});
