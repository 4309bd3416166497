import { describe, expect, it } from 'vitest';
import type { ModuleRow } from '../api';
import { allKeys, buildViewTree, buildViewTreeSliced, nextTask, type ViewNode } from './tree';
import { treeIndex } from './tree-index';

const lin = (path: string, i: number, o: number): ModuleRow => ({ path, type: 'Linear', inFeatures: i, outFeatures: o, rotatedDim: i, numParams: i * o, adaptable: true });
const box = (path: string, type: string): ModuleRow => ({ path, type, numParams: 0, adaptable: false });

/** Folds (32 identical layers, one odd), an unfolded wide block, rows out of order, a missing parent. */
function rows(): ModuleRow[] {
  const out: ModuleRow[] = [box('', 'M'), box('model', 'Model'), box('model.layers', 'ModuleList')];
  for (let i = 0; i < 33; i++) {
    const p = `model.layers.${i}`;
    const d = i === 20 ? 32 : 64;
    out.push(box(p, 'Block'), lin(`${p}.attn.q_proj`, d, d), lin(`${p}.attn.v_proj`, d, d), lin(`${p}.mlp`, d, 4 * d));
  }
  for (let j = 0; j < 300; j++) out.push(lin(`wide.b${j % 7}.l${j}`, 8 + j, 8));
  out.push(lin('orphan.parent.leaf', 4, 4));
  return out.reverse();
}

/** Everything the picker reads from a built tree: the nodes and the index built with it. */
function snapshot(root: ViewNode): unknown {
  const ix = treeIndex(root);
  return { root, keys: ix.nodes.map((n) => n.key), parent: [...ix.parent], depth: [...ix.depth], end: [...ix.end], byKey: [...ix.byKey], all: allKeys(root) };
}

describe('buildViewTreeSliced', () => {
  it('yields many times and builds exactly what the synchronous build does', async () => {
    let yields = 0;
    const sliced = await buildViewTreeSliced(rows(), { sliceMs: 0, yieldTo: async () => void yields++ });
    const sync = buildViewTree(rows());
    // sliceMs 0: every check point yields (at least once per view node), so the work was cut into pieces.
    expect(yields).toBeGreaterThan(treeIndex(sync).nodes.length);
    expect(sliced).not.toBe(sync);
    expect(snapshot(sliced)).toEqual(snapshot(sync));
  });

  it('on real macrotasks (MessageChannel) with a 1 ms slice, a 10,000-module tree equals the synchronous build', async () => {
    const big: ModuleRow[] = [box('', 'M')];
    for (let i = 0; i < 100; i++) for (let j = 0; j < 100; j++) big.push(lin(`b${i}.l${j}`, 8 + j, 8));
    let yields = 0;
    const sliced = await buildViewTreeSliced(big, { sliceMs: 1, yieldTo: () => (yields++, nextTask()) });
    expect(yields).toBeGreaterThan(0);
    expect(snapshot(sliced)).toEqual(snapshot(buildViewTree(big)));
  });

  it('stops at the next yield once aborted, rejecting with the signal reason', async () => {
    const ctl = new AbortController();
    let yields = 0;
    const run = buildViewTreeSliced(rows(), {
      sliceMs: 0, signal: ctl.signal,
      yieldTo: async () => {
        if (++yields === 3) ctl.abort(new Error('another model opened'));
      },
    });
    await expect(run).rejects.toThrow('another model opened');
    expect(yields).toBe(3);
  });

  it('a tree that fits one slice resolves without yielding', async () => {
    let yields = 0;
    const root = await buildViewTreeSliced([box('', 'M'), lin('a', 4, 4)], { yieldTo: async () => void yields++ });
    expect(yields).toBe(0);
    expect(root.children.map((c) => c.key)).toEqual(['root.a']);
  });
});
