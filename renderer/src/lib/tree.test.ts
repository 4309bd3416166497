import { describe, expect, it } from 'vitest';
import type { ModuleRow } from '../api';
import { allKeys, buildViewTree, displayLabel, filterHits, flatten, type ViewNode } from './tree';

const lin = (path: string, i: number, o: number): ModuleRow => ({ path, type: 'Linear', inFeatures: i, outFeatures: o, rotatedDim: i, numParams: i * o, adaptable: true });
const box = (path: string, type: string): ModuleRow => ({ path, type, numParams: 0, adaptable: false });

function llamaish(layers: number, oddLast = false): ModuleRow[] {
  const rows: ModuleRow[] = [box('', 'Llama'), box('model', 'Model'), box('model.layers', 'ModuleList')];
  for (let i = 0; i < layers; i++) {
    const p = `model.layers.${i}`;
    const d = oddLast && i === layers - 1 ? 32 : 64;
    rows.push(box(p, 'Block'), box(`${p}.self_attn`, 'Attn'), lin(`${p}.self_attn.q_proj`, d, d), lin(`${p}.self_attn.o_proj`, d, d), lin(`${p}.mlp`, d, 4 * d));
  }
  rows.push(lin('lm_head', 64, 100));
  return rows;
}

function find(n: ViewNode, label: string): ViewNode {
  if (n.label === label) return n;
  for (const c of n.children) {
    try {
      return find(c, label);
    } catch {
      /* keep looking */
    }
  }
  throw new Error(`no ${label}`);
}

describe('buildViewTree', () => {
  it('folds identical numbered blocks and keeps every real path under the template', () => {
    const root = buildViewTree(llamaish(32));
    const layers = find(root, 'layers');
    expect(layers.children).toHaveLength(1);
    const fold = layers.children[0];
    expect(fold.fold).toEqual({ first: 0, last: 31, count: 32 });
    expect(displayLabel(fold, layers)).toBe('layers.0–31 ×32');
    const q = find(fold, 'q_proj');
    expect(q.paths).toHaveLength(32);
    expect(q.paths[0]).toBe('model.layers.0.self_attn.q_proj');
    expect(q.paths[31]).toBe('model.layers.31.self_attn.q_proj');
  });

  it('does not fold a block whose shapes differ', () => {
    const layers = find(buildViewTree(llamaish(4, true)), 'layers');
    expect(layers.children.map((c) => c.label)).toEqual(['0–2', '3']);
  });
});

describe('flatten and filter', () => {
  it('lists only expanded rows, in pre-order', () => {
    const root = buildViewTree(llamaish(2));
    const rows = flatten(root, new Set(['root', 'root.model']), null);
    expect(rows.map((r) => r.node.label)).toEqual(['model', 'model', 'layers', 'lm_head']);
  });

  it('a search opens the ancestors of its hits and hides the rest', () => {
    const root = buildViewTree(llamaish(3, true));
    const hits = filterHits(root, { query: 'o_proj', types: new Set() });
    const rows = flatten(root, new Set(['root']), hits);
    expect(rows.filter((r) => r.node.label === 'o_proj')).toHaveLength(2); // the fold's template and the odd block
    expect(rows.some((r) => r.node.label === 'q_proj')).toBe(false);
  });

  it('filters by type, and expands everything with allKeys', () => {
    const root = buildViewTree(llamaish(3));
    const hits = filterHits(root, { query: '', types: new Set(['Attn']) });
    expect(flatten(root, new Set(), hits).map((r) => r.node.type)).toEqual(['Llama', 'Model', 'ModuleList', 'Block', 'Attn']);
    const all = flatten(root, new Set(['root', ...allKeys(root)]), null);
    expect(all.map((r) => r.node.label)).toEqual(['model', 'model', 'layers', '0–2', 'self_attn', 'q_proj', 'o_proj', 'mlp', 'lm_head']);
  });

  it('handles a 10,000-module tree', () => {
    const rows: ModuleRow[] = [box('', 'M')];
    for (let i = 0; i < 100; i++) for (let j = 0; j < 100; j++) rows.push(lin(`b${i}.l${j}`, 8 + j, 8));
    const root = buildViewTree(rows);
    const open = flatten(root, new Set(['root', ...allKeys(root)]), null);
    expect(open.length).toBe(1 + 100 + 10_000);
    const hits = filterHits(root, { query: 'l99', types: new Set() });
    expect(flatten(root, new Set(), hits).length).toBe(1 + 100 + 100);
  });
});
