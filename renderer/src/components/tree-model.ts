// What the tree picker computes once per (tree, config): how many adaptable modules under
// each node are targeted, so checkboxes show checked / mixed / unchecked without walking
// subtrees while rows render.
import type { BoftConfig } from '../api';
import { compileVerdict } from '../lib/patterns';
import type { ViewNode } from '../lib/tree';

export interface CheckCount {
  on: number;
  total: number;
}

export function checkCounts(root: ViewNode, config: BoftConfig): Map<string, CheckCount> {
  const counts = new Map<string, CheckCount>();
  const verdict = compileVerdict(config);
  const visit = (n: ViewNode): CheckCount => {
    const c: CheckCount = { on: 0, total: 0 };
    if (n.adaptable) {
      c.total = n.paths.length;
      for (const p of n.paths) if (verdict(p) === 'target') c.on++;
    }
    for (const child of n.children) {
      const k = visit(child);
      c.on += k.on;
      c.total += k.total;
    }
    counts.set(n.key, c);
    return c;
  };
  visit(root);
  return counts;
}

/** Every adaptable real path at or under `n`: what a container's checkbox toggles. */
export function adaptablePathsUnder(n: ViewNode): string[] {
  const out: string[] = [];
  const visit = (x: ViewNode): void => {
    if (x.adaptable) out.push(...x.paths);
    x.children.forEach(visit);
  };
  visit(n);
  return out;
}

/** Distinct module types with their row counts, most common first. */
export function typeCounts(root: ViewNode): { type: string; count: number }[] {
  const m = new Map<string, number>();
  const visit = (x: ViewNode): void => {
    m.set(x.type, (m.get(x.type) ?? 0) + x.paths.length);
    x.children.forEach(visit);
  };
  root.children.forEach(visit);
  return [...m.entries()].map(([type, count]) => ({ type, count })).sort((a, b) => b.count - a.count || a.type.localeCompare(b.type));
}
