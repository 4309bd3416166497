import { describe, expect, it } from 'vitest';
import type { ValidationReport } from '../api';
import { settle, testStore } from '../testing/fake-studio';
import { localFieldErrors, presetSelection, targetedPaths } from './config-slice';
import { blockProblems, liveFigures } from './selectors';

async function opened(over: Parameters<typeof testStore>[0] = {}) {
  const t = testStore(over);
  await t.store.getState().openSample();
  await settle();
  return t;
}

describe('config slice', () => {
  it('debounces validation: a burst of edits makes one call, for the last config', async () => {
    const { store, fake } = await opened();
    const before = fake.calls.filter((c) => c.method === 'config.validate').length;
    for (const b of [1, 2, 8]) store.getState().setField('boft_block_size', b);
    await settle();
    const calls = fake.calls.filter((c) => c.method === 'config.validate').slice(before);
    expect(calls).toHaveLength(1);
    expect((calls[0].params as { config: { boft_block_size: number } }).config.boft_block_size).toBe(8);
    expect(store.getState().validating).toBe(false);
  });

  it('drops a stale answer that arrives after a newer one', async () => {
    let n = 0;
    const report = (total: number): ValidationReport => ({ configErrors: [], layers: [], totalBoftParams: total, baseParams: 1, trainableShare: 0, adapterBytes: 0 });
    const { store } = await opened({
      'config.validate': async () => {
        const mine = ++n;
        await new Promise((r) => setTimeout(r, mine === 1 ? 40 : 1));
        return report(mine);
      },
    });
    n = 0;
    const first = store.getState().validateNow();
    const second = store.getState().validateNow();
    await Promise.all([first, second]);
    expect(store.getState().report?.totalBoftParams).toBe(2);
  });

  it('tree checkboxes write target_modules patterns that match exactly the checked layers', async () => {
    const { store } = await opened();
    const q = Array.from({ length: 4 }, (_, i) => `encoder.layers.${i}.attn.q_proj`);
    store.getState().setTargeted(q, true);
    expect(store.getState().config.target_modules).toEqual(['q_proj']);
    store.getState().setTargeted(['encoder.layers.2.attn.q_proj'], false);
    const s = store.getState();
    expect(targetedPaths(s.rows, s.config)).toEqual(new Set(q.filter((p) => !p.includes('.2.'))));
  });

  it('a tree edit replaces a regex target and says so', async () => {
    const { store } = await opened();
    store.getState().setField('target_modules', '.*fc1');
    store.getState().setTargeted(['classifier'], true);
    const s = store.getState();
    expect(Array.isArray(s.config.target_modules)).toBe(true);
    expect(targetedPaths(s.rows, s.config).size).toBe(5);
    expect(s.configNotice).toMatch(/regex/);
  });

  it('presets pick attention, MLP or all linear layers, never the head', async () => {
    const { store } = await opened();
    const rows = store.getState().rows;
    expect([...presetSelection(rows, 'attention')].every((p) => p.includes('.attn.'))).toBe(true);
    expect(presetSelection(rows, 'attention').size).toBe(8);
    expect([...presetSelection(rows, 'mlp')].every((p) => p.includes('.mlp.'))).toBe(true);
    expect(presetSelection(rows, 'all-linear').size).toBe(16);
    store.getState().applyPreset('mlp');
    expect(store.getState().config.target_modules).toEqual(['fc1', 'fc2']);
  });

  it('explains an invalid block size per layer width and suggests valid ones; fixing it clears the problem', async () => {
    const { store } = await opened();
    store.getState().applyPreset('all-linear');
    store.getState().setField('boft_block_size', 5);
    let s = store.getState();
    const probs = blockProblems(s.rows, s.config);
    expect(probs.map((p) => p.d).sort()).toEqual([64, 96]);
    const p64 = probs.find((p) => p.d === 64);
    expect(p64?.reason).toBe('64 inputs are not divisible by block size 5');
    expect(p64?.suggestions).toEqual([4, 8, 2]);
    expect(liveFigures(s.rows, s.config, 1000, null, false).trainable).toBeNull();
    store.getState().setField('boft_block_size', 8);
    s = store.getState();
    expect(blockProblems(s.rows, s.config)).toEqual([]);
    // 12 layers at d=64 (q, v, fc1) + 4 at d=96 (fc2): m·d·b + out each.
    const expected = 4 * (64 * 8 + 64) + 4 * (64 * 8 + 64) + 4 * (64 * 8 + 96) + 4 * (96 * 8 + 64);
    expect(liveFigures(s.rows, s.config, 1000, null, false).trainable).toBe(expected);
  });

  it('prefers the service figures when its report answers the config on screen', async () => {
    const { store } = await opened({
      'config.validate': async () => ({ configErrors: [], layers: [], totalBoftParams: 77, baseParams: 1000, trainableShare: 0.07, adapterBytes: 400 }),
    });
    await store.getState().validateNow();
    const s = store.getState();
    expect(liveFigures(s.rows, s.config, 1000, s.report, s.reportConfig === s.config)).toMatchObject({ trainable: 77, source: 'service' });
    s.setField('boft_block_size', 2);
    const t = store.getState();
    expect(liveFigures(t.rows, t.config, 1000, t.report, t.reportConfig === t.config).source).toBe('local');
  });

  it('checks fields locally as the user types', () => {
    const base = testStore().store.getState().config;
    expect(localFieldErrors(base)).toEqual({});
    expect(localFieldErrors({ ...base, boft_block_num: 4 }).boft_block_size).toMatch(/exactly one/);
    expect(localFieldErrors({ ...base, boft_dropout: 1 }).boft_dropout).toMatch(/\[0, 1\)/);
    expect(localFieldErrors({ ...base, target_modules: '(' }).target_modules).toMatch(/target_modules is not a valid regex/);
    expect(localFieldErrors({ ...base, layers_pattern: 'layers' }).layers_to_transform).toMatch(/must be set/);
  });
});
