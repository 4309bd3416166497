// The module-tree picker: virtualized (only rows in view are in the DOM), folded repeats,
// search and type filter, checkboxes that write target_modules, per-node validity and
// parameter count, full keyboard control (ARIA tree with an active descendant).
import { memo, useDeferredValue, useEffect, useMemo, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import type { BoftConfig, LayerValidation } from '../api';
import { compileVerdict, verdictFor } from '../lib/patterns';
import { buildViewTree, displayLabel, type FlatRow, type ViewNode } from '../lib/tree';
import { countsIndex, filterIndex, rowAt, treeIndex, uncounted, visibleRows, type FilterState, type TreeIndex } from '../lib/tree-index';
import { nodeValidity } from '../store/selectors';
import { adaptablePathsUnder, typeCounts } from './tree-model';
import { fmtInt } from './fields';

export const ROW_HEIGHT = 26;
const OVERSCAN = 8;

export interface TreeProps {
  root: ViewNode;
  config: BoftConfig;
  serviceLayers: Map<string, LayerValidation>;
  expanded: ReadonlySet<string>;
  query: string;
  typeFilter: ReadonlySet<string>;
  focusedKey: string | null;
  height: number;
  onToggleExpanded(key: string, open?: boolean): void;
  onSetTargeted(paths: string[], on: boolean): void;
  onQuery(q: string): void;
  onToggleType(t: string): void;
  onFocus(key: string): void;
  onExpandAll(): void;
  onCollapseAll(): void;
}

function rowId(key: string): string {
  return `tree-row-${key.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

function Badges({ node, config }: { node: ViewNode; config: BoftConfig }) {
  const v = verdictFor(node.paths[0], config);
  switch (v) {
    case 'excluded': return <span className="badge warn" title="matched by exclude_modules">excluded</span>;
    case 'saved': return <span className="badge info" title="trained in full and saved (modules_to_save)">saved in full</span>;
    case 'layer-filtered': return <span className="badge muted" title="its layer index is not in layers_to_transform">not in layers_to_transform</span>;
    case 'target':
    case 'none':
      return null;
  }
}

function Validity({ node, config, service }: { node: ViewNode; config: BoftConfig; service?: LayerValidation }) {
  const v = nodeValidity(node, config, service);
  switch (v.kind) {
    case 'na': return null;
    case 'ok':
      // One text node per span (template strings): fewer DOM nodes for every row mounted.
      return <span className="validity ok" title={`block size ${v.blockSize} × ${v.blockNum} blocks`}>{`b=${v.blockSize}×${v.blockNum} · ${fmtInt(v.params)} params`}</span>;
    case 'invalid':
      return <span className="validity bad" title={v.reason}>{`✕ ${v.reason}${v.suggestions.length > 0 ? `; try ${v.suggestions.join(' or ')}` : ''}`}</span>;
  }
}

/** What a row does, read through a ref so that memoized rows never hold stale callbacks. */
interface RowActions {
  focus(key: string): void;
  toggleExpanded(key: string): void;
  setTargeted(paths: string[], on: boolean): void;
}

interface RowProps { row: FlatRow; top: number; on: number; total: number; active: boolean; config: BoftConfig; service: LayerValidation | undefined; actions: RowActions }

// Rows re-render only when what they show changes: a scroll mounts the rows that came into
// view and leaves the others alone, whatever else the panel re-renders for.
const sameRow = (a: RowProps, b: RowProps): boolean =>
  a.row.node === b.row.node && a.row.expanded === b.row.expanded && a.row.depth === b.row.depth && a.top === b.top &&
  a.on === b.on && a.total === b.total && a.active === b.active && a.config === b.config && a.service === b.service && a.actions === b.actions;

const Row = memo(function Row(p: RowProps) {
  const { node, depth, expanded, hasChildren, parent } = p.row;
  const state = p.total === 0 ? 'none' : p.on === 0 ? 'off' : p.on === p.total ? 'on' : 'mixed';
  const toggle = (): void => p.actions.setTargeted(adaptablePathsUnder(node), state !== 'on');
  return (
    <div
      id={rowId(node.key)} role="treeitem" aria-level={depth + 1} aria-expanded={hasChildren ? expanded : undefined}
      aria-selected={p.active} aria-checked={state === 'none' ? undefined : state === 'mixed' ? 'mixed' : state === 'on'}
      className={`tree-row${p.active ? ' active' : ''}`} style={{ top: p.top, paddingLeft: 6 + depth * 16 }}
      data-key={node.key} data-testid={`tree-row-${node.paths[0] || 'root'}`} onClick={() => p.actions.focus(node.key)}
    >
      <button type="button" tabIndex={-1} className="caret" aria-label={expanded ? 'collapse' : 'expand'} disabled={!hasChildren} onClick={() => p.actions.toggleExpanded(node.key)}>
        {hasChildren ? (expanded ? '▾' : '▸') : ''}
      </button>
      {state !== 'none' ? (
        <input
          type="checkbox" tabIndex={-1} aria-label={`target ${displayLabel(node, parent)}`} checked={state === 'on'}
          ref={(el) => { if (el) el.indeterminate = state === 'mixed'; }} onChange={toggle}
        />
      ) : <span className="check-spacer" />}
      <span className="label">{displayLabel(node, parent)}</span>
      <span className="type">{node.type}</span>
      {node.inFeatures !== undefined ? <span className="dims">{`${node.inFeatures}→${node.outFeatures ?? ''}`}</span> : null}
      {node.paths.length > 1 && state !== 'none' ? <span className="count">{`${p.on}/${p.total}`}</span> : null}
      <Badges node={node} config={p.config} />
      <Validity node={node} config={p.config} service={p.service} />
    </div>
  );
}, sameRow);

/** The visible rows as the keyboard handler needs them, without materializing all of them. */
interface RowList {
  length: number;
  at(r: number): FlatRow;
  /** Row of the node's parent, or −1. */
  parentOf(r: number): number;
}

function useKeys(rows: RowList, index: number, props: TreeProps, scrollTo: (i: number) => void) {
  return (e: KeyboardEvent<HTMLDivElement>): void => {
    const move = (i: number): void => {
      const j = Math.max(0, Math.min(rows.length - 1, i));
      if (j < rows.length) props.onFocus(rows.at(j).node.key);
      scrollTo(j);
    };
    const row = index < rows.length ? rows.at(index) : undefined;
    const keyMap: Record<string, () => void> = {
      ArrowDown: () => move(index + 1),
      ArrowUp: () => move(index - 1),
      Home: () => move(0),
      End: () => move(rows.length - 1),
      PageDown: () => move(index + Math.floor(props.height / ROW_HEIGHT)),
      PageUp: () => move(index - Math.floor(props.height / ROW_HEIGHT)),
      ArrowRight: () => (row && row.hasChildren && !row.expanded ? props.onToggleExpanded(row.node.key, true) : move(index + 1)),
      ArrowLeft: () => {
        if (row && row.expanded && row.hasChildren) return props.onToggleExpanded(row.node.key, false);
        const parentIndex = row ? rows.parentOf(index) : -1;
        if (parentIndex >= 0) move(parentIndex);
      },
      Enter: () => row && row.hasChildren && props.onToggleExpanded(row.node.key),
      ' ': () => {
        if (!row) return;
        const paths = adaptablePathsUnder(row.node);
        if (paths.length === 0) return;
        const verdict = compileVerdict(props.config);
        props.onSetTargeted(paths, !paths.every((p) => verdict(p) === 'target'));
      },
    };
    const f = keyMap[e.key];
    if (!f) return;
    e.preventDefault();
    f();
  };
}

/**
 * `value`, but only once a frame has been painted since it changed (null until then). Unlike
 * useDeferredValue, whose render may run before the browser paints, this puts a frame
 * between the urgent render and the deferred work.
 */
function useAfterPaint<T>(value: T): T | null {
  const [settled, setSettled] = useState<{ value: T } | null>(null);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const frame = requestAnimationFrame(() => { timer = setTimeout(() => setSettled({ value }), 0); });
    return () => {
      cancelAnimationFrame(frame);
      clearTimeout(timer);
    };
  }, [value]);
  return settled !== null && settled.value === value ? value : null;
}

const NO_ROOT = buildViewTree([]);
const NO_KEYS: ReadonlySet<string> = new Set();

/**
 * The tree to show: a new root (a model opened) is rendered in a background, interruptible
 * render that yields to the browser every few milliseconds, while the panel keeps showing the
 * previous tree (or an empty one) with the expanded set that went with it. Mounting a tree's
 * rows is the longest piece of work the panel does: on a fresh page, where it also compiles
 * the rows' code, one synchronous render of it took up to ~40 ms of main-thread time.
 * Everything else (expand, filter, checkboxes) renders at once, as before.
 */
export function useShownTree(root: ViewNode, expanded: ReadonlySet<string>): { root: ViewNode; expanded: ReadonlySet<string> } {
  const shown = useDeferredValue(root, NO_ROOT);
  const pair = useRef({ root: NO_ROOT, expanded: NO_KEYS });
  if (shown === root) pair.current = { root, expanded };
  return shown === root ? { root, expanded } : { root: shown, expanded: pair.current.root === shown ? pair.current.expanded : NO_KEYS };
}

/** Filter, visible rows and counts, each recomputed only when its inputs change. */
function useTreeView(props: TreeProps) {
  const ix = useMemo(() => treeIndex(props.root), [props.root]);
  const lastFilter = useRef<{ ix: TreeIndex; state: FilterState | null } | null>(null);
  // By content: a parent that passes an equal new Set each render must not refilter the tree.
  const typesKey = [...props.typeFilter].sort().join('\n');
  const filter = useMemo(() => {
    const prev = lastFilter.current?.ix === ix ? lastFilter.current.state : null;
    const state = filterIndex(ix, { query: props.query, types: new Set(typesKey === '' ? [] : typesKey.split('\n')) }, prev);
    lastFilter.current = { ix, state };
    return state;
  }, [ix, props.query, typesKey]);
  const visible = useMemo(() => visibleRows(ix, props.expanded, filter), [ix, props.expanded, filter]);
  const rows = useMemo<RowList>(() => ({
    length: visible.length,
    at: (r) => rowAt(ix, visible, r),
    parentOf: (r) => {
      const p = ix.parent[visible.order[r]];
      return p >= 0 ? visible.at[p] : -1;
    },
  }), [ix, visible]);
  // The checkbox counts test every path against the config (10k verdicts: 16–37 ms). When a
  // tree is first shown, the rows mount without them and the counts come in a task after
  // the first frame is painted, so opening a big tree is two short frames instead of one long
  // one. Later config changes (a click on a checkbox) recount in the same render, so a click
  // shows at once.
  const countedIx = useAfterPaint(ix);
  const counts = useMemo(() => (countedIx === ix ? countsIndex(ix, props.config) : uncounted(ix)), [ix, countedIx, props.config]);
  const types = useMemo(() => typeCounts(props.root), [props.root]);
  const focused = props.focusedKey === null ? undefined : ix.byKey.get(props.focusedKey);
  const index = Math.max(0, focused === undefined ? -1 : visible.at[focused]);
  return { filter, visible, rows, counts, types, index };
}

/** Stable callbacks for memoized rows that always call the latest props. */
function useRowActions(props: TreeProps): RowActions {
  const latest = useRef(props);
  latest.current = props;
  return useMemo<RowActions>(() => ({
    focus: (key) => latest.current.onFocus(key),
    toggleExpanded: (key) => latest.current.onToggleExpanded(key),
    setTargeted: (paths, on) => latest.current.onSetTargeted(paths, on),
  }), []);
}

export function ModuleTree(props: TreeProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const { filter, visible, rows, counts, types, index } = useTreeView({ ...props, ...useShownTree(props.root, props.expanded) });
  const actions = useRowActions(props);
  const scrollTo = (i: number): void => {
    const el = scroller.current;
    if (!el) return;
    if (i * ROW_HEIGHT < el.scrollTop) el.scrollTop = i * ROW_HEIGHT;
    else if ((i + 1) * ROW_HEIGHT > el.scrollTop + props.height) el.scrollTop = (i + 1) * ROW_HEIGHT - props.height;
  };
  const onKey = useKeys(rows, index, props, scrollTo);
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((scrollTop + props.height) / ROW_HEIGHT) + OVERSCAN);
  const active = index < rows.length ? rows.at(index) : undefined;
  const shown: ReactNode[] = [];
  for (let r = first; r < last; r++) {
    const row = rows.at(r);
    const i = visible.order[r];
    shown.push(
      <Row
        key={row.node.key} row={row} top={r * ROW_HEIGHT} on={counts.on[i]} total={counts.total[i]} active={r === index}
        config={props.config} service={props.serviceLayers.get(row.node.paths[0])} actions={actions}
      />,
    );
  }
  return (
    <section className="tree-panel" aria-label="Module tree">
      <div className="tree-tools">
        <label htmlFor="tree-search">Search modules</label>
        <input id="tree-search" data-testid="tree-search" type="search" value={props.query} placeholder="q_proj, mlp, layers.3…" onChange={(e) => props.onQuery(e.target.value)} />
        <button type="button" onClick={props.onExpandAll}>Expand all</button>
        <button type="button" onClick={props.onCollapseAll}>Collapse all</button>
      </div>
      <div className="type-filter" role="group" aria-label="Filter by module type">
        {types.slice(0, 10).map((t) => (
          <button key={t.type} type="button" aria-pressed={props.typeFilter.has(t.type)} onClick={() => props.onToggleType(t.type)}>{t.type} ({t.count})</button>
        ))}
      </div>
      <div
        ref={scroller} className="tree-scroll" role="tree" aria-label="Modules of the base model" aria-multiselectable="true" tabIndex={0}
        aria-activedescendant={active ? rowId(active.node.key) : undefined} data-testid="module-tree" style={{ height: props.height }}
        onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)} onKeyDown={onKey}
      >
        <div style={{ height: rows.length * ROW_HEIGHT, position: 'relative' }}>
          {shown}
        </div>
      </div>
      <div className="tree-status" aria-live="polite">{rows.length} rows shown{filter ? ' (filtered)' : ''}</div>
    </section>
  );
}
