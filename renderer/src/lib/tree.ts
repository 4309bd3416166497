// The module tree as the picker shows it: built from the flat `boft inspect` rows, with runs
// of structurally identical numbered siblings folded into one row (`layers.0–31 ×32`) whose
// children are templates standing for the same module in every member. A view node carries
// every real path it stands for, so one edit applies to all of them.
import type { ModuleRow } from '../api';
import { treeIndex } from './tree-index';

interface RawNode {
  name: string;
  row: ModuleRow;
  children: RawNode[];
  sig: number;
}

export interface ViewNode {
  /** Stable key for expansion state and React. */
  key: string;
  label: string;
  type: string;
  adaptable: boolean;
  inFeatures?: number;
  outFeatures?: number;
  rotatedDim?: number;
  /** Every real module path this row stands for (one unless inside a fold). */
  paths: string[];
  children: ViewNode[];
  fold?: { first: number; last: number; count: number };
  /** Lower-case text searched by the filter. */
  haystack: string;
}

/** Builds the raw tree from rows in any order; missing parents become containers. */
function buildRaw(rows: readonly ModuleRow[]): RawNode {
  const byPath = new Map<string, RawNode>();
  const root: RawNode = { name: '', row: rows.find((r) => r.path === '') ?? { path: '', type: 'Model', numParams: 0, adaptable: false }, children: [], sig: 0 };
  byPath.set('', root);
  const ensure = (path: string): RawNode => {
    const hit = byPath.get(path);
    if (hit) return hit;
    const dot = path.lastIndexOf('.');
    const parent = ensure(dot < 0 ? '' : path.slice(0, dot));
    const node: RawNode = { name: path.slice(dot + 1), row: { path, type: 'Module', numParams: 0, adaptable: false }, children: [], sig: 0 };
    parent.children.push(node);
    byPath.set(path, node);
    return node;
  };
  for (const r of rows) if (r.path !== '') ensure(r.path).row = r;
  return root;
}

/** Interns a structural signature (type, dims, children's names and signatures) per node. */
function sign(node: RawNode, table: Map<string, number>): number {
  const kids = node.children.map((c) => `${c.name}:${sign(c, table)}`).join(',');
  const r = node.row;
  const text = `${r.type}|${r.inFeatures ?? ''}|${r.outFeatures ?? ''}|${r.rotatedDim ?? ''}|${r.numParams}|${kids}`;
  let id = table.get(text);
  if (id === undefined) {
    id = table.size + 1;
    table.set(text, id);
  }
  node.sig = id;
  return id;
}

type Group = { kind: 'one'; index: number } | { kind: 'fold'; from: number; to: number };

/** Splits children into single nodes and runs of ≥2 consecutive identical numbered ones. */
function groupChildren(children: RawNode[]): Group[] {
  const groups: Group[] = [];
  let i = 0;
  while (i < children.length) {
    let j = i;
    const numeric = /^\d+$/.test(children[i].name);
    while (
      numeric && j + 1 < children.length && /^\d+$/.test(children[j + 1].name) &&
      Number(children[j + 1].name) === Number(children[j].name) + 1 && children[j + 1].sig === children[i].sig
    ) j++;
    groups.push(j > i ? { kind: 'fold', from: i, to: j } : { kind: 'one', index: i });
    i = j + 1;
  }
  return groups;
}

/** `parallel` are structurally identical raw nodes that one view node stands for. */
function toView(parallel: RawNode[], key: string, label: string, fold?: ViewNode['fold']): ViewNode {
  const head = parallel[0];
  const children: ViewNode[] = [];
  for (const g of groupChildren(head.children)) {
    if (g.kind === 'one') {
      const name = head.children[g.index].name;
      children.push(toView(parallel.map((p) => p.children[g.index]), `${key}.${name}`, name));
    } else {
      const first = Number(head.children[g.from].name);
      const last = Number(head.children[g.to].name);
      const members = parallel.flatMap((p) => p.children.slice(g.from, g.to + 1));
      children.push(toView(members, `${key}.${first}-${last}`, `${first}–${last}`, { first, last, count: last - first + 1 }));
    }
  }
  const r = head.row;
  const paths = parallel.map((p) => p.row.path);
  return {
    key, label, type: r.type, adaptable: r.adaptable, inFeatures: r.inFeatures, outFeatures: r.outFeatures, rotatedDim: r.rotatedDim,
    paths, children, fold, haystack: `${label} ${r.type} ${paths[0]}`.toLowerCase(),
  };
}

export function buildViewTree(rows: readonly ModuleRow[]): ViewNode {
  const raw = buildRaw(rows);
  sign(raw, new Map());
  const root = toView([raw], 'root', 'model');
  // Index it now, once per model opened, rather than in the picker's first render.
  treeIndex(root);
  return root;
}

/** Labels a fold by its parent name too (`layers.0–31 ×32`), as the picker shows it. */
export function displayLabel(node: ViewNode, parent: ViewNode | null): string {
  if (!node.fold) return node.label;
  const prefix = parent && parent.key !== 'root' ? `${parent.label}.` : '';
  return `${prefix}${node.label} ×${node.fold.count}`;
}

export interface TreeFilter {
  query: string;
  types: ReadonlySet<string>;
}

export interface FlatRow {
  node: ViewNode;
  parent: ViewNode | null;
  depth: number;
  expanded: boolean;
  hasChildren: boolean;
}

function matchesFilter(node: ViewNode, f: TreeFilter, q: string): boolean {
  return (q === '' || node.haystack.includes(q)) && (f.types.size === 0 || f.types.has(node.type));
}

/** Keys of nodes that match or have a matching descendant; null when no filter is set. */
export function filterHits(root: ViewNode, f: TreeFilter): Set<string> | null {
  const q = f.query.trim().toLowerCase();
  if (q === '' && f.types.size === 0) return null;
  const hits = new Set<string>();
  const visit = (n: ViewNode): boolean => {
    let any = matchesFilter(n, f, q);
    for (const c of n.children) if (visit(c)) any = true;
    if (any) hits.add(n.key);
    return any;
  };
  visit(root);
  return hits;
}

/** Visible rows in display order; a filter expands the ancestors of its hits. */
export function flatten(root: ViewNode, expanded: ReadonlySet<string>, hits: Set<string> | null): FlatRow[] {
  const out: FlatRow[] = [];
  const stack: { node: ViewNode; parent: ViewNode | null; depth: number }[] = [{ node: root, parent: null, depth: 0 }];
  while (stack.length > 0) {
    const { node, parent, depth } = stack.pop() as { node: ViewNode; parent: ViewNode | null; depth: number };
    if (hits && !hits.has(node.key)) continue;
    const open = hits ? node.children.some((c) => hits.has(c.key)) || expanded.has(node.key) : expanded.has(node.key);
    out.push({ node, parent, depth, expanded: open, hasChildren: node.children.length > 0 });
    if (!open) continue;
    for (let i = node.children.length - 1; i >= 0; i--) stack.push({ node: node.children[i], parent: node, depth: depth + 1 });
  }
  return out;
}

/** Every real path in the tree, in display order, for pattern synthesis. */
export function allPaths(rows: readonly ModuleRow[]): string[] {
  return rows.map((r) => r.path).filter((p) => p !== '');
}

/** Keys of every node with children, to expand all. */
export function allKeys(root: ViewNode): string[] {
  const keys: string[] = [];
  const visit = (n: ViewNode): void => {
    if (n.children.length > 0) keys.push(n.key);
    n.children.forEach(visit);
  };
  visit(root);
  return keys;
}
