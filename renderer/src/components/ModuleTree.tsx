// The module-tree picker: virtualized (only rows in view are in the DOM), folded repeats,
// search and type filter, checkboxes that write target_modules, per-node validity and
// parameter count, full keyboard control (ARIA tree with an active descendant).
import { useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { BoftConfig, LayerValidation } from '../api';
import { verdictFor } from '../lib/patterns';
import { displayLabel, filterHits, flatten, type FlatRow, type ViewNode } from '../lib/tree';
import { nodeValidity } from '../store/selectors';
import { adaptablePathsUnder, checkCounts, typeCounts, type CheckCount } from './tree-model';
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
      return <span className="validity ok" title={`block size ${v.blockSize} × ${v.blockNum} blocks`}>b={v.blockSize}×{v.blockNum} · {fmtInt(v.params)} params</span>;
    case 'invalid':
      return <span className="validity bad" title={v.reason}>✕ {v.reason}{v.suggestions.length > 0 ? `; try ${v.suggestions.join(' or ')}` : ''}</span>;
  }
}

function Row(p: { row: FlatRow; top: number; count: CheckCount | undefined; active: boolean; props: TreeProps }) {
  const { node, depth, expanded, hasChildren, parent } = p.row;
  const c = p.count ?? { on: 0, total: 0 };
  const state = c.total === 0 ? 'none' : c.on === 0 ? 'off' : c.on === c.total ? 'on' : 'mixed';
  const toggle = (): void => p.props.onSetTargeted(adaptablePathsUnder(node), state !== 'on');
  return (
    <div
      id={rowId(node.key)} role="treeitem" aria-level={depth + 1} aria-expanded={hasChildren ? expanded : undefined}
      aria-selected={p.active} aria-checked={state === 'none' ? undefined : state === 'mixed' ? 'mixed' : state === 'on'}
      className={`tree-row${p.active ? ' active' : ''}`} style={{ top: p.top, paddingLeft: 6 + depth * 16 }}
      data-key={node.key} data-testid={`tree-row-${node.paths[0] || 'root'}`} onClick={() => p.props.onFocus(node.key)}
    >
      <button type="button" tabIndex={-1} className="caret" aria-label={expanded ? 'collapse' : 'expand'} disabled={!hasChildren} onClick={() => p.props.onToggleExpanded(node.key)}>
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
      {node.inFeatures !== undefined ? <span className="dims">{node.inFeatures}→{node.outFeatures}</span> : null}
      {node.paths.length > 1 && state !== 'none' ? <span className="count">{c.on}/{c.total}</span> : null}
      <Badges node={node} config={p.props.config} />
      <Validity node={node} config={p.props.config} service={p.props.serviceLayers.get(node.paths[0])} />
    </div>
  );
}

function useKeys(rows: FlatRow[], index: number, props: TreeProps, scrollTo: (i: number) => void) {
  return (e: KeyboardEvent<HTMLDivElement>): void => {
    const move = (i: number): void => {
      const j = Math.max(0, Math.min(rows.length - 1, i));
      if (rows[j]) props.onFocus(rows[j].node.key);
      scrollTo(j);
    };
    const row = rows[index];
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
        const parentIndex = rows.findIndex((r) => r.node === row?.parent);
        if (parentIndex >= 0) move(parentIndex);
      },
      Enter: () => row && row.hasChildren && props.onToggleExpanded(row.node.key),
      ' ': () => {
        if (!row) return;
        const paths = adaptablePathsUnder(row.node);
        if (paths.length > 0) props.onSetTargeted(paths, !paths.every((p) => verdictFor(p, props.config) === 'target'));
      },
    };
    const f = keyMap[e.key];
    if (!f) return;
    e.preventDefault();
    f();
  };
}

export function ModuleTree(props: TreeProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const hits = useMemo(() => filterHits(props.root, { query: props.query, types: props.typeFilter }), [props.root, props.query, props.typeFilter]);
  const rows = useMemo(() => flatten(props.root, props.expanded, hits), [props.root, props.expanded, hits]);
  const counts = useMemo(() => checkCounts(props.root, props.config), [props.root, props.config]);
  const types = useMemo(() => typeCounts(props.root), [props.root]);
  const index = Math.max(0, rows.findIndex((r) => r.node.key === props.focusedKey));
  const scrollTo = (i: number): void => {
    const el = scroller.current;
    if (!el) return;
    if (i * ROW_HEIGHT < el.scrollTop) el.scrollTop = i * ROW_HEIGHT;
    else if ((i + 1) * ROW_HEIGHT > el.scrollTop + props.height) el.scrollTop = (i + 1) * ROW_HEIGHT - props.height;
  };
  const onKey = useKeys(rows, index, props, scrollTo);
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((scrollTop + props.height) / ROW_HEIGHT) + OVERSCAN);
  const active = rows[index];
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
          {rows.slice(first, last).map((r, i) => (
            <Row key={r.node.key} row={r} top={(first + i) * ROW_HEIGHT} count={counts.get(r.node.key)} active={r === active} props={props} />
          ))}
        </div>
      </div>
      <div className="tree-status" aria-live="polite">{rows.length} rows shown{hits ? ' (filtered)' : ''}</div>
    </section>
  );
}
