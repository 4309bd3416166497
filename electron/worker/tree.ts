// Flattens a core/nn module tree into the contract's ModuleNode list (pre-order, parent
// indices) and summarises it. One walk, O(modules), so a 10k-module tree stays cheap.
import type { Module } from '../../core/nn/module';
import type { ModelSource, ModelSummary, ModuleNode } from '../shared/schemas';

/** The layer types BOFT adapts (core/boft/geometry AdaptableType). */
export const ADAPTABLE_TYPES: ReadonlySet<string> = new Set(['Linear', 'Conv1D', 'Conv2d']);

export function buildModuleTree(root: Module): ModuleNode[] {
  const nodes: ModuleNode[] = [];
  const indexOf = new Map<string, number>();
  for (const [path, m] of root.namedModules()) {
    const info = m.info(path);
    const dot = path.lastIndexOf('.');
    const parentPath = dot < 0 ? '' : path.slice(0, dot);
    const node: ModuleNode = {
      path,
      name: dot < 0 ? path : path.slice(dot + 1),
      type: info.type,
      parent: path === '' ? -1 : (indexOf.get(parentPath) ?? -1),
      depth: path === '' ? 0 : path.split('.').length,
      params: info.params,
      numParams: info.numParams,
      totalParams: info.numParams,
      childCount: info.childNames.length,
      adaptable: ADAPTABLE_TYPES.has(info.type),
    };
    if (info.inFeatures !== undefined) node.inFeatures = info.inFeatures;
    if (info.outFeatures !== undefined) node.outFeatures = info.outFeatures;
    indexOf.set(path, nodes.length);
    nodes.push(node);
  }
  // Pre-order: walking backwards visits every child before its parent.
  for (let i = nodes.length - 1; i > 0; i--) {
    const p = nodes[i].parent;
    if (p >= 0) nodes[p].totalParams += nodes[i].totalParams;
  }
  return nodes;
}

export function summarizeModel(root: Module, name: string, architecture: string, source: ModelSource): ModelSummary {
  const nodes = buildModuleTree(root);
  let trainable = 0;
  for (const [, p] of root.namedParameters()) if (p.trainable) trainable += p.size;
  return {
    name,
    source,
    architecture,
    numModules: nodes.length,
    numParams: nodes[0]?.totalParams ?? 0,
    trainableParams: trainable,
    adaptablePaths: nodes.filter((n) => n.adaptable).map((n) => n.path),
  };
}
