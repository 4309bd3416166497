import { fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { StudioError } from '../../../electron/shared';
import { fakeRun, settle } from '../testing/fake-studio';
import { renderWithStore, type Rendered } from '../testing/render';
import { TrainingPanel } from './TrainingPanel';

const names = ['start', 'pause', 'resume', 'cancel'] as const;

/** Which of start/pause/resume/cancel are enabled now. */
function enabled(): string[] {
  return names.filter((n) => !(screen.getByTestId(`btn-${n}`) as HTMLButtonElement).disabled);
}

async function click(r: Rendered, name: (typeof names)[number]): Promise<void> {
  fireEvent.click(screen.getByTestId(`btn-${name}`));
  await r.flush();
}

describe('TrainingPanel run controls', () => {
  it('enables exactly the controls that make sense in each run state', async () => {
    const r = renderWithStore(<TrainingPanel />);
    await r.flush();
    expect(screen.getByTestId('run-state').textContent).toBe('idle');
    expect(enabled()).toEqual(['start']);
    await click(r, 'start');
    expect(r.fake.calls.find((c) => c.method === 'training.start')?.params).toMatchObject({ adapterName: 'default', dataset: { kind: 'sample' } });
    expect(screen.getByTestId('run-state').textContent).toBe('running');
    expect(enabled()).toEqual(['pause', 'cancel']);
    await click(r, 'pause');
    expect(screen.getByTestId('run-state').textContent).toBe('paused');
    expect(enabled()).toEqual(['resume', 'cancel']);
    await click(r, 'resume');
    expect(enabled()).toEqual(['pause', 'cancel']);
    await click(r, 'cancel');
    expect(screen.getByTestId('run-state').textContent).toBe('cancelling');
    expect(enabled()).toEqual([]);
    // The service reports the end of the run; a new one can start.
    r.fake.emit({ type: 'run.state', runId: 'run-1', state: 'cancelled', summary: fakeRun('run-1', 'cancelled') });
    await r.flush();
    expect(screen.getByTestId('run-state').textContent).toBe('cancelled');
    expect(enabled()).toEqual(['start']);
    expect(r.fake.calls.map((c) => c.method).filter((m) => m.startsWith('training.'))).toEqual([
      'training.start', 'training.pause', 'training.resume', 'training.cancel',
    ]);
  });

  it('shows why a run did not start and lets the user try again', async () => {
    const r = renderWithStore(<TrainingPanel />, {
      'training.start': async () => {
        throw new StudioError('INVALID_CONFIG', 'no adapter layers selected');
      },
    });
    await r.flush();
    await click(r, 'start');
    await settle();
    expect(screen.getByTestId('run-state').textContent).toBe('failed');
    expect(screen.getByRole('alert').textContent).toBe('no adapter layers selected (INVALID_CONFIG)');
    expect(enabled()).toEqual(['start']);
  });

  it('shows live step figures from the service events', async () => {
    const r = renderWithStore(<TrainingPanel />);
    await r.flush();
    await click(r, 'start');
    r.fake.emit({ type: 'train.step', runId: 'run-1', metrics: { step: 3, totalSteps: 10, epoch: 0, loss: 1.25, lr: 1e-3, gradNorm: 0.5, samplesPerSec: 42, etaSec: 7, elapsedSec: 1 } });
    await r.flush();
    expect(screen.getByTestId('run-step').textContent).toBe('3');
    expect(screen.getByTestId('run-status').textContent).toMatch(/loss 1\.2500 · 42\.0 samples\/s/);
  });

  it('labels every setting and shows the backend in use', async () => {
    const r = renderWithStore(<TrainingPanel />);
    await r.store.getState().hydrate();
    await r.flush();
    const settings = within(screen.getByRole('group', { name: 'Hyperparameters' }));
    expect(within(screen.getByRole('group', { name: 'Dataset' })).getByLabelText('Dataset kind')).toBeTruthy();
    for (const label of ['Adapter name', 'Epochs', 'Batch size', 'Learning rate', 'Schedule', 'Seed', 'Backend']) {
      expect(settings.getByLabelText(new RegExp(`^${label}`)), label).toBeTruthy();
    }
    // Every control in the settings has a label.
    for (const el of settings.getAllByRole('textbox').concat(settings.getAllByRole('combobox'))) {
      expect(el.id && document.querySelector(`label[for="${el.id}"]`), el.outerHTML).toBeTruthy();
    }
    expect(screen.getByText('In use: cpu')).toBeTruthy();
  });
});
