import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type BoftConfig, type ModuleRow } from '../api';
import { checkCounts } from '../components/tree-model';
import { allKeys, buildViewTree, filterHits, flatten, type ViewNode } from './tree';
import { countsIndex, filterIndex, rowAt, treeIndex, uncounted, visibleRows, type FilterState } from './tree-index';

const lin = (path: string, i: number, o: number): ModuleRow => ({ path, type: 'Linear', inFeatures: i, outFeatures: o, rotatedDim: i, numParams: i * o, adaptable: true });
const box = (path: string, type: string): ModuleRow => ({ path, type, numParams: 0, adaptable: false });

/** Folded llama-like layers (one odd one out) beside an unfolded block of varied widths. */
function mixedRows(): ModuleRow[] {
  const rows: ModuleRow[] = [box('', 'M'), box('model', 'Model'), box('model.layers', 'ModuleList')];
  for (let i = 0; i < 6; i++) {
    const p = `model.layers.${i}`;
    const d = i === 5 ? 32 : 64;
    rows.push(box(p, 'Block'), box(`${p}.self_attn`, 'Attn'), lin(`${p}.self_attn.q_proj`, d, d), lin(`${p}.self_attn.v_proj`, d, d), lin(`${p}.mlp`, d, 4 * d));
  }
  for (let j = 0; j < 12; j++) rows.push(lin(`extra.b${j % 3}.l${j}`, 16 + 8 * j, 16));
  rows.push(lin('lm_head', 64, 100));
  return rows;
}

const root = buildViewTree(mixedRows());
const ix = treeIndex(root);

function viaIndex(expanded: ReadonlySet<string>, f: FilterState | null): string[] {
  const v = visibleRows(ix, expanded, f);
  return Array.from({ length: v.length }, (_, r) => rowAt(ix, v, r)).map((x) => `${x.node.key}|${x.parent?.key ?? '-'}|${x.depth}|${x.expanded}|${x.hasChildren}`);
}
function viaTree(expanded: ReadonlySet<string>, hits: Set<string> | null): string[] {
  return flatten(root, expanded, hits).map((x) => `${x.node.key}|${x.parent?.key ?? '-'}|${x.depth}|${x.expanded}|${x.hasChildren}`);
}
const hitKeys = (f: FilterState | null): Set<string> | null => (f ? new Set(ix.nodes.filter((_, i) => f.hits[i] === 1).map((n) => n.key)) : null);

describe('tree index (checked against the recursive flatten / filterHits / checkCounts)', () => {
  const keys = allKeys(root);
  const expansions: Set<string>[] = [new Set(['root']), new Set(['root', ...keys]), new Set(keys.filter((_, i) => i % 2 === 0)), new Set(['root', ...keys.filter((_, i) => i % 3 !== 1)])];

  it('gives the same visible rows for every expansion state, with and without filters', () => {
    for (const e of expansions) {
      expect(viaIndex(e, null)).toEqual(viaTree(e, null));
      for (const query of ['proj', 'q_', 'l1', 'layers.5', 'zzz', ' MLP ']) {
        for (const types of [new Set<string>(), new Set(['Linear']), new Set(['Attn', 'Block'])]) {
          const f = { query, types };
          const fi = filterIndex(ix, f, null);
          expect(hitKeys(fi)).toEqual(filterHits(root, f));
          expect(viaIndex(e, fi)).toEqual(viaTree(e, filterHits(root, f)));
        }
      }
    }
  });

  it('narrows incrementally to the same result as filtering from scratch, and widens correctly', () => {
    const types = new Set<string>();
    let prev: FilterState | null = null;
    for (const query of ['l', 'l1', 'l11', 'b2.l11', 'l1', 'x', '', 'proj', 'v_proj']) {
      const f = { query, types };
      const next = filterIndex(ix, f, prev);
      expect(hitKeys(next)).toEqual(filterHits(root, f));
      prev = next;
    }
    expect(prev?.self.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    // An equal type filter passed as a new Set still narrows; a different one starts over.
    let p2: FilterState | null = null;
    for (const [query, types] of [['l', ['Linear']], ['l1', ['Linear']], ['l1', ['Linear', 'Block']], ['l11', ['Block']], ['proj', []]] as const) {
      const f = { query, types: new Set<string>(types) };
      p2 = filterIndex(ix, f, p2);
      expect(hitKeys(p2)).toEqual(filterHits(root, f));
    }
  });

  it('index covers every node once; subtree ranges nest', () => {
    const seen: string[] = [];
    const walk = (n: ViewNode): void => { seen.push(n.key); n.children.forEach(walk); };
    walk(root);
    expect(ix.nodes.map((n) => n.key)).toEqual(seen);
    for (let i = 1; i < ix.nodes.length; i++) {
      const p = ix.parent[i];
      expect(p).toBeLessThan(i);
      expect(ix.end[i]).toBeLessThanOrEqual(ix.end[p]);
      expect(ix.nodes[p].children).toContain(ix.nodes[i]);
    }
    expect(treeIndex(root)).toBe(ix);
  });

  it('counts targeted/adaptable paths per node like checkCounts', () => {
    const configs: BoftConfig[] = [
      { ...DEFAULT_CONFIG, target_modules: ['q_proj', 'l4'] },
      { ...DEFAULT_CONFIG, target_modules: ['q_proj', 'mlp'], layers_to_transform: [1, 5], exclude_modules: ['model.layers.1.mlp'] },
      { ...DEFAULT_CONFIG, target_modules: '.*proj', modules_to_save: ['lm_head'] },
    ];
    for (const c of configs) {
      const ref = checkCounts(root, c);
      const got = countsIndex(ix, c);
      ix.nodes.forEach((n, i) => expect({ on: got.on[i], total: got.total[i] }).toEqual(ref.get(n.key)));
    }
  });

  it('the first-frame placeholder has the same totals and nothing on', () => {
    const ref = countsIndex(ix, { ...DEFAULT_CONFIG, target_modules: ['q_proj'] });
    const got = uncounted(ix);
    expect(Array.from(got.total)).toEqual(Array.from(ref.total));
    expect(got.on.every((v) => v === 0)).toBe(true);
    expect(ref.on.some((v) => v > 0)).toBe(true);
  });
});
