// The module tree as the picker shows it: built from the flat `boft inspect` rows, with runs
// of structurally identical numbered siblings folded into one row (`layers.0–31 ×32`) whose
// children are templates standing for the same module in every member. A view node carries
// every real path it stands for, so one edit applies to all of them.
import type { ModuleRow } from '../api';
import { adoptIndex, indexSteps } from './tree-index';

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

/**
 * The build runs as generators that yield whenever `clock.due()`: run to the end at once they
 * are the synchronous build, stepped between tasks they are the time-sliced one, and the same
 * code makes both, so the two give the same tree by construction.
 */
export interface SliceClock {
  due(): boolean;
}
type Steps<T> = Generator<void, T, void>;
const NEVER: SliceClock = { due: () => false };

/** Builds the raw tree from rows in any order; missing parents become containers. */
function* buildRaw(rows: readonly ModuleRow[], clock: SliceClock): Steps<RawNode> {
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
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k];
    if (r.path !== '') ensure(r.path).row = r;
    if ((k & 63) === 63 && clock.due()) yield;
  }
  return root;
}

/** Interns a structural signature (type, dims, children's names and signatures) per node. */
function* sign(node: RawNode, table: Map<string, number>, clock: SliceClock): Steps<number> {
  const kids: string[] = [];
  for (const c of node.children) kids.push(`${c.name}:${yield* sign(c, table, clock)}`);
  const r = node.row;
  const text = `${r.type}|${r.inFeatures ?? ''}|${r.outFeatures ?? ''}|${r.rotatedDim ?? ''}|${r.numParams}|${kids.join(',')}`;
  let id = table.get(text);
  if (id === undefined) {
    id = table.size + 1;
    table.set(text, id);
  }
  node.sig = id;
  if (clock.due()) yield;
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
function* toView(parallel: RawNode[], key: string, label: string, clock: SliceClock, fold?: ViewNode['fold']): Steps<ViewNode> {
  const head = parallel[0];
  const children: ViewNode[] = [];
  for (const g of groupChildren(head.children)) {
    if (g.kind === 'one') {
      const name = head.children[g.index].name;
      children.push(yield* toView(parallel.map((p) => p.children[g.index]), `${key}.${name}`, name, clock));
    } else {
      const first = Number(head.children[g.from].name);
      const last = Number(head.children[g.to].name);
      const members = parallel.flatMap((p) => p.children.slice(g.from, g.to + 1));
      children.push(yield* toView(members, `${key}.${first}-${last}`, `${first}–${last}`, clock, { first, last, count: last - first + 1 }));
    }
  }
  const r = head.row;
  const paths = parallel.map((p) => p.row.path);
  if (clock.due()) yield;
  return {
    key, label, type: r.type, adaptable: r.adaptable, inFeatures: r.inFeatures, outFeatures: r.outFeatures, rotatedDim: r.rotatedDim,
    paths, children, fold, haystack: `${label} ${r.type} ${paths[0]}`.toLowerCase(),
  };
}

function* viewTreeSteps(rows: readonly ModuleRow[], clock: SliceClock): Steps<ViewNode> {
  const raw = yield* buildRaw(rows, clock);
  yield* sign(raw, new Map(), clock);
  const root = yield* toView([raw], 'root', 'model', clock);
  // Index it now, once per model opened, rather than in the picker's first render.
  adoptIndex(root, yield* indexSteps(root, clock));
  return root;
}

export function buildViewTree(rows: readonly ModuleRow[]): ViewNode {
  const steps = viewTreeSteps(rows, NEVER);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

export interface SlicedBuildOptions {
  /** Longest stretch of work between yields, ms (default 8: half a frame). */
  sliceMs?: number;
  /** Aborting stops the build at its next yield; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** How to give the event loop a turn (default: a MessageChannel task, which has no timer clamp). */
  yieldTo?: () => Promise<void>;
}

/** A fresh macrotask: the browser can render and handle input before it runs. */
export function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      ch.port1.close();
      resolve();
    };
    ch.port2.postMessage(null);
  });
}

/**
 * buildViewTree in slices of about `sliceMs` between which the page can paint and take input:
 * a 10,000-module tree costs ~100 ms of main thread when a model opens, several frames' worth.
 * The result equals buildViewTree(rows) (same code, see viewTreeSteps).
 */
export async function buildViewTreeSliced(rows: readonly ModuleRow[], opts: SlicedBuildOptions = {}): Promise<ViewNode> {
  const sliceMs = opts.sliceMs ?? 8;
  const yieldTo = opts.yieldTo ?? nextTask;
  let deadline = 0;
  const steps = viewTreeSteps(rows, { due: () => performance.now() >= deadline });
  for (;;) {
    opts.signal?.throwIfAborted();
    deadline = performance.now() + sliceMs;
    const r = steps.next();
    if (r.done) return r.value;
    await yieldTo();
  }
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
