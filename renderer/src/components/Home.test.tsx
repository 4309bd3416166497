import { fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { RunHistory, RunSummary, StepMetrics } from '../api';
import { fakeRun } from '../testing/fake-studio';
import { renderWithStore } from '../testing/render';
import { Home } from './Home';

const step = (s: number, loss: number): StepMetrics => ({ step: s, totalSteps: 3, epoch: 0, loss, lr: 1e-3, gradNorm: 1, samplesPerSec: 10, etaSec: 0, elapsedSec: s });

const runs: RunSummary[] = [
  { ...fakeRun('run-a', 'completed'), config: { boft_block_size: 4, target_modules: ['fc1'] } },
  { ...fakeRun('run-b', 'completed'), config: { boft_block_size: 8, target_modules: ['fc1'], boft_dropout: 0.1 } },
  { ...fakeRun('run-c', 'cancelled'), config: { boft_block_size: 4 } },
];
const histories: Record<string, RunHistory> = {
  'run-a': { runId: 'run-a', steps: [step(1, 2.3), step(2, 2.1)], evals: [], diagnostics: [] },
  'run-b': { runId: 'run-b', steps: [step(1, 2.4), step(2, 1.9), step(3, 1.7)], evals: [], diagnostics: [] },
};

async function home(over: Parameters<typeof renderWithStore>[1] = {}) {
  const r = renderWithStore(<Home />, {
    'runs.list': async () => ({ runs }),
    'runs.history': async (p) => histories[p.runId],
    'project.open': async (p) => ({ project: { version: 1, model: null, config: {}, hyper: null, dataset: null } as never, path: p.path }),
    ...over,
  });
  await r.store.getState().hydrate();
  await r.store.getState().refreshRuns();
  await r.flush();
  return r;
}

describe('Home', () => {
  it('opens the embedded sample', async () => {
    const r = await home();
    fireEvent.click(screen.getByRole('button', { name: 'Open the embedded sample' }));
    await r.flush();
    expect(r.fake.calls.filter((c) => c.method === 'model.openSample')).toHaveLength(1);
    expect(screen.getByTestId('open-model').textContent).toBe('Open: sample (sample-mlp, 32 modules)');
  });

  it('says why a model folder did not open', async () => {
    const r = await home();
    fireEvent.change(screen.getByLabelText('Model folder'), { target: { value: '/nowhere' } });
    fireEvent.click(screen.getByRole('button', { name: 'Open folder' }));
    await r.flush();
    expect(r.fake.calls.find((c) => c.method === 'model.openFolder')?.params).toEqual({ path: '/nowhere' });
    expect(r.store.getState().projectError).toBe('no model at /nowhere (NOT_FOUND)');
  });

  it('lists recent projects and opens one on click', async () => {
    const r = await home();
    const recent = screen.getByRole('button', { name: '/home/u/proj.boftproj' });
    fireEvent.click(recent);
    await r.flush();
    expect(r.fake.calls.find((c) => c.method === 'project.open')?.params).toEqual({ path: '/home/u/proj.boftproj' });
  });

  it('compares exactly two picked runs: both curves and the fields that differ', async () => {
    const r = await home();
    const table = within(screen.getByTestId('runs'));
    expect(table.getAllByRole('row')).toHaveLength(1 + runs.length);
    const compare = screen.getByRole('button', { name: 'Compare the two picked runs' }) as HTMLButtonElement;
    expect(compare.disabled).toBe(true);
    fireEvent.click(table.getByLabelText('compare run-c'));
    fireEvent.click(table.getByLabelText('compare run-a'));
    fireEvent.click(table.getByLabelText('compare run-b'));
    await r.flush();
    // A third pick drops the oldest: two stay picked.
    expect((table.getByLabelText('compare run-c') as HTMLInputElement).checked).toBe(false);
    expect(compare.disabled).toBe(false);
    fireEvent.click(compare);
    await r.flush();
    const cmp = within(screen.getByTestId('comparison'));
    const diffRows = within(cmp.getByRole('table', { name: 'Config differences' })).getAllByRole('row').slice(1).map((row) => within(row).getAllByRole('cell').map((c) => c.textContent));
    expect(diffRows).toEqual([['boft_block_size', '4', '8'], ['boft_dropout', '0', '0.1']]);
    expect(cmp.getByText('Loss: run-a vs run-b')).toBeTruthy();
    const c = r.store.getState().comparison;
    expect(c?.historyA.steps.map((m) => m.loss)).toEqual([2.3, 2.1]);
    expect(c?.historyB.steps.map((m) => m.loss)).toEqual([2.4, 1.9, 1.7]);
    // The chart's legend names one series per run.
    const legend = Array.from(screen.getByTestId('chart-compare').querySelectorAll('.u-legend .u-label')).map((e) => e.textContent);
    expect(legend).toEqual(['step', 'run-a loss', 'run-b loss']);
  });

  it('unpicking a run hides the comparison and disables the button', async () => {
    const r = await home();
    const table = within(screen.getByTestId('runs'));
    fireEvent.click(table.getByLabelText('compare run-a'));
    fireEvent.click(table.getByLabelText('compare run-b'));
    fireEvent.click(screen.getByRole('button', { name: 'Compare the two picked runs' }));
    await r.flush();
    expect(screen.getByTestId('comparison')).toBeTruthy();
    fireEvent.click(table.getByLabelText('compare run-b'));
    await r.flush();
    expect(screen.queryByTestId('comparison')).toBeNull();
    expect((screen.getByRole('button', { name: 'Compare the two picked runs' }) as HTMLButtonElement).disabled).toBe(true);
  });
});
