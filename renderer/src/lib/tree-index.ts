// The view tree flattened once into preorder arrays, so that what the picker does per render
// or per keystroke (visible rows, filtering, checkbox counts) is a linear pass over typed
// arrays instead of a recursive walk building objects. A subtree is the preorder range
// [i, end[i]), so collapsing skips it in one step; reverse preorder visits children before
// parents, so subtree sums and "has a matching descendant" need no recursion.
import type { BoftConfig } from '../api';
import { compileVerdict } from './patterns';
import type { FlatRow, SliceClock, TreeFilter, ViewNode } from './tree';

export interface TreeIndex {
  /** Preorder: nodes[0] is the root. */
  nodes: ViewNode[];
  /** parent[i]: preorder index of the parent, −1 for the root. */
  parent: Int32Array;
  depth: Int32Array;
  /** end[i]: one past the last node of i's subtree. */
  end: Int32Array;
  byKey: Map<string, number>;
}

const cache = new WeakMap<ViewNode, TreeIndex>();

/** Builds the index, yielding when `clock.due()` (see buildViewTreeSliced in tree.ts). */
export function* indexSteps(root: ViewNode, clock: SliceClock): Generator<void, TreeIndex, void> {
  const nodes: ViewNode[] = [];
  const parents: number[] = [];
  const depths: number[] = [];
  // Parallel stacks rather than a tuple per node: less garbage while a model opens.
  const sNode: ViewNode[] = [root];
  const sParent: number[] = [-1];
  const sDepth: number[] = [0];
  while (sNode.length > 0) {
    const node = sNode.pop() as ViewNode;
    const p = sParent.pop() as number;
    const d = sDepth.pop() as number;
    const i = nodes.length;
    nodes.push(node);
    parents.push(p);
    depths.push(d);
    for (let c = node.children.length - 1; c >= 0; c--) {
      sNode.push(node.children[c]);
      sParent.push(i);
      sDepth.push(d + 1);
    }
    if ((i & 255) === 255 && clock.due()) yield;
  }
  const n = nodes.length;
  const parent = Int32Array.from(parents);
  const end = new Int32Array(n);
  for (let i = n - 1; i >= 0; i--) {
    if (end[i] === 0) end[i] = i + 1;
    if (parent[i] >= 0 && end[parent[i]] < end[i]) end[parent[i]] = end[i];
  }
  if (clock.due()) yield;
  const byKey = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    byKey.set(nodes[i].key, i);
    if ((i & 255) === 255 && clock.due()) yield;
  }
  return { nodes, parent, depth: Int32Array.from(depths), end, byKey };
}

const NEVER: SliceClock = { due: () => false };

function build(root: ViewNode): TreeIndex {
  const steps = indexSteps(root, NEVER);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** The index of a view tree, built on first use and kept while the tree lives. */
export function treeIndex(root: ViewNode): TreeIndex {
  let ix = cache.get(root);
  if (!ix) {
    ix = build(root);
    cache.set(root, ix);
  }
  return ix;
}

/** Records an index built elsewhere (by the sliced build) as `root`'s. */
export function adoptIndex(root: ViewNode, ix: TreeIndex): void {
  cache.set(root, ix);
}

export interface FilterState {
  query: string;
  types: ReadonlySet<string>;
  /** self[i] = 1: node i itself matches. */
  self: Uint8Array;
  /** hits[i] = 1: node i or a descendant matches (the set filterHits returns). */
  hits: Uint8Array;
  /** below[i] = 1: a strict descendant of i matches, so a filter opens i. */
  below: Uint8Array;
}

function sameTypes(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const t of a) if (!b.has(t)) return false;
  return true;
}

/**
 * filterHits on the index. When the query only grew (the new one contains the previous one)
 * and the type filter is the same, only the previous matches can still match, so only they
 * are tested again: typing narrows in time proportional to what is left.
 */
export function filterIndex(ix: TreeIndex, f: TreeFilter, prev: FilterState | null): FilterState | null {
  const q = f.query.trim().toLowerCase();
  if (q === '' && f.types.size === 0) return null;
  const n = ix.nodes.length;
  const self = new Uint8Array(n);
  const narrowing = prev !== null && sameTypes(prev.types, f.types) && q.includes(prev.query);
  for (let i = 0; i < n; i++) {
    if (narrowing && prev.self[i] === 0) continue;
    const node = ix.nodes[i];
    if ((q === '' || node.haystack.includes(q)) && (f.types.size === 0 || f.types.has(node.type))) self[i] = 1;
  }
  const hits = new Uint8Array(n);
  const below = new Uint8Array(n);
  for (let i = n - 1; i >= 0; i--) {
    hits[i] = self[i] | below[i];
    if (hits[i] === 1 && ix.parent[i] >= 0) below[ix.parent[i]] = 1;
  }
  return { query: q, types: f.types, self, hits, below };
}

/** Visible rows: order[r] is the preorder index of row r; at[i] is node i's row or −1. */
export interface Visible {
  length: number;
  order: Int32Array;
  open: Uint8Array;
  at: Int32Array;
}

/** flatten on the index: same rows, same order, same open state. */
export function visibleRows(ix: TreeIndex, expanded: ReadonlySet<string>, filter: FilterState | null): Visible {
  const n = ix.nodes.length;
  const order = new Int32Array(n);
  const open = new Uint8Array(n);
  const at = new Int32Array(n).fill(-1);
  let len = 0;
  let i = 0;
  while (i < n) {
    if (filter && filter.hits[i] === 0) {
      i = ix.end[i];
      continue;
    }
    const isOpen = (filter !== null && filter.below[i] === 1) || expanded.has(ix.nodes[i].key);
    at[i] = len;
    order[len] = i;
    open[len] = isOpen ? 1 : 0;
    len++;
    i = isOpen ? i + 1 : ix.end[i];
  }
  return { length: len, order, open, at };
}

/** Row r of the visible list as flatten would give it. */
export function rowAt(ix: TreeIndex, v: Visible, r: number): FlatRow {
  const i = v.order[r];
  const node = ix.nodes[i];
  return { node, parent: ix.parent[i] >= 0 ? ix.nodes[ix.parent[i]] : null, depth: ix.depth[i], expanded: v.open[r] === 1, hasChildren: node.children.length > 0 };
}

export interface IndexedCounts {
  on: Int32Array;
  total: Int32Array;
}

/** checkCounts on the index: per node, targeted and adaptable real paths in its subtree. */
/** Counts before any verdict (a placeholder for the first frame): the totals, nothing on yet. */
export function uncounted(ix: TreeIndex): IndexedCounts {
  const total = new Int32Array(ix.nodes.length);
  for (let i = ix.nodes.length - 1; i >= 0; i--) {
    if (ix.nodes[i].adaptable) total[i] += ix.nodes[i].paths.length;
    if (ix.parent[i] >= 0) total[ix.parent[i]] += total[i];
  }
  return { on: new Int32Array(ix.nodes.length), total };
}

export function countsIndex(ix: TreeIndex, config: BoftConfig): IndexedCounts {
  const n = ix.nodes.length;
  const on = new Int32Array(n);
  const total = new Int32Array(n);
  const verdict = compileVerdict(config);
  for (let i = n - 1; i >= 0; i--) {
    const node = ix.nodes[i];
    if (node.adaptable) {
      total[i] += node.paths.length;
      for (const p of node.paths) if (verdict(p) === 'target') on[i]++;
    }
    const p = ix.parent[i];
    if (p >= 0) {
      on[p] += on[i];
      total[p] += total[i];
    }
  }
  return { on, total };
}
