import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, toRow } from '../api';
import { buildViewTree } from '../lib/tree';
import { sampleNodes } from '../testing/fake-studio';
import { adaptablePathsUnder, checkCounts, typeCounts } from './tree-model';
import { parseLayers } from './ConfigForm';
import { configDiff } from '../lib/config-diff';

const root = buildViewTree(sampleNodes().map(toRow));

describe('tree model', () => {
  it('counts targeted modules per node, folds included', () => {
    const counts = checkCounts(root, { ...DEFAULT_CONFIG, target_modules: ['q_proj', 'classifier'], layers_to_transform: [0, 2] });
    // q_proj in layers 0 and 2 (layers_to_transform filters suffix matches), and classifier: an exact
    // path match, which PEFT does not filter by layer.
    expect(counts.get('root')).toEqual({ on: 3, total: 17 });
    const fold = root.children[0].children[0].children[0];
    expect(counts.get(fold.key)).toEqual({ on: 2, total: 16 });
  });

  it('lists every real adaptable path under a node, and types by count', () => {
    const fold = root.children[0].children[0].children[0];
    expect(adaptablePathsUnder(fold)).toHaveLength(16);
    expect(typeCounts(root)[0]).toEqual({ type: 'Linear', count: 17 });
  });
});

describe('form parsing', () => {
  it('reads layers_to_transform as PEFT takes it (int or list), refusing non-indices', () => {
    expect(parseLayers('3')).toBe(3);
    expect(parseLayers('3,')).toEqual([3]);
    expect(parseLayers('0, 2, 5')).toEqual([0, 2, 5]);
    expect(parseLayers('')).toBeNull();
    expect(parseLayers('1, x')).toBeInstanceOf(Error);
    expect((parseLayers('-1') as Error).message).toBe("'-1' is not a layer index (non-negative integer)");
  });

  it('diffs configs field by field', () => {
    expect(configDiff(DEFAULT_CONFIG, { ...DEFAULT_CONFIG, bias: 'all', target_modules: ['a'] })).toEqual([
      { field: 'target_modules', a: '—', b: '["a"]' },
      { field: 'bias', a: '"none"', b: '"all"' },
    ]);
  });
});
