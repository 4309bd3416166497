import { fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { AdapterInfo, MergeAgreement } from '../api';
import { fakeAdapter, sampleNodes, sampleSummary } from '../testing/fake-studio';
import { renderWithStore } from '../testing/render';
import { AdaptersPanel } from './AdaptersPanel';

/** Two adapters, 'a' active on 2 layers; every action answers with the list it would leave. */
async function panel(agreement: MergeAgreement | null = { maxAbsDiff: 3.1e-7, samples: 64, batch: 'validation' }) {
  let list: AdapterInfo[] = [
    fakeAdapter('a', { targetPaths: ['encoder.layers.0.attn.q_proj', 'encoder.layers.0.attn.v_proj'], numParams: 2560 }),
    fakeAdapter('b', { active: false }),
  ];
  const r = renderWithStore(<AdaptersPanel />, {
    'adapters.list': async () => ({ adapters: list }),
    'adapters.activate': async (p) => ({ adapters: (list = list.map((x) => ({ ...x, active: p.names.includes(x.name) }))) }),
    'adapters.merge': async (p) => ({ adapters: (list = list.map((x) => (p.names?.includes(x.name) ? { ...x, merged: true } : x))), agreement }),
    'adapters.unmerge': async () => ({ adapters: (list = list.map((x) => ({ ...x, merged: false }))) }),
    'adapters.mergeAndUnload': async () => ({ adapters: (list = []), agreement, model: sampleSummary(sampleNodes()) }),
    'adapters.unload': async () => ({ adapters: (list = []), model: sampleSummary(sampleNodes()) }),
    'adapters.delete': async (p) => ({ adapters: (list = list.filter((x) => x.name !== p.name)) }),
  });
  await r.store.getState().refreshAdapters();
  await r.flush();
  return r;
}

type R = Awaited<ReturnType<typeof panel>>;
const mutating = (r: R) => r.fake.calls.filter((c) => c.method.startsWith('adapters.') && c.method !== 'adapters.list');

describe('AdaptersPanel', () => {
  it('lists each adapter with its state', async () => {
    await panel();
    expect(screen.getByTestId('adapter-state-a').textContent).toBe('active, unmerged');
    expect(screen.getByTestId('adapter-state-b').textContent).toBe('inactive, unmerged');
    expect(screen.getByTestId('adapter-params-a').textContent).toBe('2,560');
  });

  // Each action: the confirmation's words, then the request the confirm sends.
  const cases: { action: string; button: string; effect: RegExp; method: string; params: unknown }[] = [
    { action: 'activate', button: 'act-activate-b', effect: /'b' becomes the active adapter .* no weight changes/, method: 'adapters.activate', params: { names: ['b'] } },
    { action: 'merge', button: 'act-merge-a', effect: /'a' is folded into the base weights of its 2 layers .*Safe merge computes the merged weights in a copy/, method: 'adapters.merge', params: { names: ['a'], safeMerge: true } },
    { action: 'merge_and_unload', button: 'act-merge_and_unload-a', effect: /every adapter wrapper is removed: the model becomes a plain model \(2 adapters unloaded/, method: 'adapters.mergeAndUnload', params: { names: ['a'], safeMerge: true } },
    { action: 'unload', button: 'act-unload-a', effect: /All 2 adapter wrappers are removed without merging/, method: 'adapters.unload', params: {} },
    { action: 'delete', button: 'act-delete-b', effect: /'b' \(1,234 parameters on 1 layer\) is removed from the model/, method: 'adapters.delete', params: { name: 'b' } },
  ];

  for (const c of cases) {
    it(`${c.action}: the confirmation says what will change; cancel sends nothing, confirm sends ${c.method}`, async () => {
      const r = await panel();
      fireEvent.click(screen.getByTestId(c.button));
      const dialog = screen.getByRole('dialog');
      expect(within(dialog).getByTestId('confirm-effect').textContent).toMatch(c.effect);
      fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
      await r.flush();
      expect(screen.queryByRole('dialog')).toBeNull();
      expect(mutating(r)).toEqual([]);
      fireEvent.click(screen.getByTestId(c.button));
      fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Confirm' }));
      await r.flush();
      expect(screen.queryByRole('dialog')).toBeNull();
      expect(mutating(r)).toEqual([{ method: c.method, params: c.params }]);
      expect(r.store.getState().adapterError).toBeNull();
    });
  }

  it('Escape cancels a confirmation', async () => {
    const r = await panel();
    fireEvent.click(screen.getByTestId('act-delete-a'));
    fireEvent.keyDown(screen.getByRole('dialog'), { key: 'Escape' });
    await r.flush();
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(mutating(r)).toEqual([]);
    expect(screen.getByTestId('adapter-state-a')).toBeTruthy();
  });

  it('unchecking safe merge drops it from the confirmation and the request', async () => {
    const r = await panel();
    fireEvent.click(screen.getByLabelText(/^Safe merge/));
    fireEvent.click(screen.getByTestId('act-merge-a'));
    expect(screen.getByTestId('confirm-effect').textContent).not.toMatch(/Safe merge/);
    fireEvent.click(screen.getByTestId('confirm-ok'));
    await r.flush();
    expect(mutating(r)).toEqual([{ method: 'adapters.merge', params: { names: ['a'], safeMerge: false } }]);
  });

  it('after a merge shows the state and the agreement on the held-out validation batch', async () => {
    const r = await panel();
    fireEvent.click(screen.getByTestId('act-merge-a'));
    fireEvent.click(screen.getByTestId('confirm-ok'));
    await r.flush();
    expect(screen.getByTestId('adapter-state-a').textContent).toBe('active, merged');
    expect(screen.getByTestId('agreement').textContent).toBe(
      'Merged vs unmerged outputs on a held-out batch of 64 validation examples: max |difference| = 3.10e-7 (agrees to fp32 rounding)',
    );
    // Unmerge is offered once something is merged.
    expect((screen.getByTestId('act-unmerge-b') as HTMLButtonElement).disabled).toBe(false);
  });

  it('says when the check ran on a synthetic batch, and flags a large difference', async () => {
    const r = await panel({ maxAbsDiff: 0.25, samples: 8, batch: 'synthetic' });
    fireEvent.click(screen.getByTestId('act-merge-a'));
    fireEvent.click(screen.getByTestId('confirm-ok'));
    await r.flush();
    const text = screen.getByTestId('agreement').textContent ?? '';
    expect(text).toMatch(/synthetic batch of 8 seeded inputs \(the project has no validation data\)/);
    expect(text).toMatch(/= 2\.50e-1 \(larger than fp32 rounding; check the adapter\)/);
  });

  it('says so when the service ran no agreement check', async () => {
    const r = await panel(null);
    fireEvent.click(screen.getByTestId('act-merge-a'));
    fireEvent.click(screen.getByTestId('confirm-ok'));
    await r.flush();
    expect(screen.getByTestId('agreement-none').textContent).toMatch(/ran no merged-vs-unmerged check/);
  });
});
