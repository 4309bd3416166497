// config.validate on the real core/boft rules, against hand-computed geometry:
// boft params = m·k·b² + out (PEFT stores boft_R (m, k, b, b) in full, plus boft_s (out, 1)).
import { describe, expect, it } from 'vitest';
import { validateConfig } from './validator';
import { tinyModel } from '../../testing/fakes';

describe('validateConfig (real core/boft)', () => {
  it('reports each targeted layer with its block geometry and parameter count', () => {
    const root = tinyModel(); // blocks.{0,1}.0: Linear 8→16, blocks.{0,1}.1: Linear 16→8, head 8→2
    const r = validateConfig(root, { boft_block_size: 4, target_modules: 'blocks\\.\\d\\.\\d' });
    expect(r.configErrors).toEqual([]);
    expect(r.layers.map((l) => [l.path, l.status])).toEqual([
      ['blocks.0.0', 'valid'], ['blocks.0.1', 'valid'], ['blocks.1.0', 'valid'], ['blocks.1.1', 'valid'],
    ]);
    expect(r.layers[0]).toMatchObject({ inFeatures: 8, outFeatures: 16, blockSize: 4, blockNum: 2, boftParams: 2 * 16 + 16 });
    expect(r.layers[1]).toMatchObject({ inFeatures: 16, outFeatures: 8, blockSize: 4, blockNum: 4, boftParams: 4 * 16 + 8 });
    expect(r.totalBoftParams).toBe(2 * (48 + 72));
    expect(r.baseParams).toBe(2 * (8 * 16 + 16 + 16 * 8 + 8) + 18);
    expect(r.trainableShare).toBeCloseTo(240 / (578 + 240), 12);
    expect(r.adapterBytes).toBe(240 * 4);
    root.dispose();
  });

  it('explains an invalid layer and suggests the nearest valid block sizes', () => {
    const root = tinyModel();
    const r = validateConfig(root, { boft_block_size: 16, target_modules: 'head|blocks\\.\\d\\.1' });
    const head = r.layers.find((l) => l.path === 'head');
    expect(head?.status).toBe('invalid');
    if (head?.status !== 'invalid') throw new Error('unreachable');
    expect(head.reason).toContain("'head'");
    expect(head.reason).toContain('in_features=8');
    // valid b for d=8, m=1: 1, 2, 4, 8; the nearest valid below 16 is 8 (none above), k=1.
    expect(head.suggestions).toEqual([{ boft_block_size: 8, boft_block_num: 0, boft_n_butterfly_factor: 1, boftParams: 64 + 2 }]);
    expect(r.layers.find((l) => l.path === 'blocks.0.1')).toMatchObject({ status: 'valid', blockNum: 1, boftParams: 256 + 8 });
    expect(r.totalBoftParams).toBe(2 * 264);
    root.dispose();
  });

  it('suggests block counts when the config uses boft_block_num, with m > 1', () => {
    const root = tinyModel();
    // d=16, m=2: k must be even and b even → k ∈ {2, 4, 8}; k=3 is invalid → nearest 2 and 4.
    const r = validateConfig(root, { boft_block_size: 0, boft_block_num: 3, boft_n_butterfly_factor: 2, target_modules: 'blocks\\.0\\.1' });
    const l = r.layers[0];
    expect(l.status).toBe('invalid');
    if (l.status !== 'invalid') throw new Error('unreachable');
    expect(l.suggestions).toEqual([
      { boft_block_size: 0, boft_block_num: 2, boft_n_butterfly_factor: 2, boftParams: 2 * 2 * 64 + 8 },
      { boft_block_size: 0, boft_block_num: 4, boft_n_butterfly_factor: 2, boftParams: 2 * 4 * 16 + 8 },
    ]);
    root.dispose();
  });

  it('returns config-level errors instead of throwing', () => {
    const root = tinyModel();
    const both = validateConfig(root, { boft_block_size: 4, boft_block_num: 2, target_modules: ['head'] });
    expect(both.configErrors.map((e) => e.field)).toContain('boft_block_size');
    const none = validateConfig(root, { target_modules: ['nothing_here'] });
    expect(none.configErrors).toEqual([{ field: 'target_modules', message: expect.stringContaining('matched no module') }]);
    expect(none.layers).toEqual([]);
    root.dispose();
  });
});
