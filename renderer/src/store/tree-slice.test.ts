import { describe, expect, it } from 'vitest';
import { filterHits, flatten } from '../lib/tree';
import { settle, testStore } from '../testing/fake-studio';

describe('tree slice', () => {
  it('expands, collapses, expands all, and filters by query and type', async () => {
    const { store } = testStore();
    await store.getState().openSample();
    await settle();
    const visible = (): string[] => {
      const s = store.getState();
      if (!s.viewTree) return [];
      return flatten(s.viewTree, s.expanded, filterHits(s.viewTree, { query: s.query, types: s.typeFilter })).map((r) => r.node.label);
    };
    expect(visible()).toEqual(['model', 'encoder', 'classifier']);
    store.getState().toggleExpanded('root.encoder');
    expect(visible()).toEqual(['model', 'encoder', 'layers', 'classifier']);
    store.getState().toggleExpanded('root.encoder', false);
    expect(visible()).toEqual(['model', 'encoder', 'classifier']);
    store.getState().expandAll();
    expect(visible()).toHaveLength(1 + 1 + 1 + 1 + 1 + 2 + 1 + 2 + 1);
    store.getState().collapseAll();
    store.getState().setQuery('fc2');
    expect(visible()).toEqual(['model', 'encoder', 'layers', '0–3', 'mlp', 'fc2']);
    store.getState().setQuery('');
    store.getState().toggleType('MLP');
    expect(visible()).toEqual(['model', 'encoder', 'layers', '0–3', 'mlp']);
    store.getState().toggleType('MLP');
    expect(store.getState().typeFilter.size).toBe(0);
    store.getState().setFocused('root.classifier');
    expect(store.getState().focusedKey).toBe('root.classifier');
  });
});
