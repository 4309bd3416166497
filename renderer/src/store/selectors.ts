// Derived views of the store: live figures, per-node validity, block-shape problems.
// Pure functions of state, so components and tests compute them the same way.
import type { BoftConfig, LayerValidation, ModuleRow, ValidationReport } from '../api';
import { adapterFileBytes, nearestValidBlockSizes, resolveShape, totalParams, type LayerDims, type ShapeSetting } from '../lib/boft-shape';
import { compileVerdict, type MatchVerdict } from '../lib/patterns';
import type { ViewNode } from '../lib/tree';
import { targetedPaths } from './config-slice';

export function shapeSetting(c: BoftConfig): ShapeSetting {
  return { blockSize: c.boft_block_size, blockNum: c.boft_block_num, factors: c.boft_n_butterfly_factor };
}

export function dimsOf(row: Pick<ModuleRow, 'path' | 'rotatedDim' | 'inFeatures' | 'outFeatures'>): LayerDims | null {
  const d = row.rotatedDim ?? row.inFeatures;
  if (d === undefined || row.outFeatures === undefined) return null;
  return { path: row.path, d, out: row.outFeatures };
}

export function targetedDims(rows: readonly ModuleRow[], config: BoftConfig): LayerDims[] {
  const sel = targetedPaths(rows, config);
  return rows.filter((r) => sel.has(r.path)).map(dimsOf).filter((x): x is LayerDims => x !== null);
}

export interface LiveFigures {
  trainable: number | null;
  /** trainable / (base + trainable), as PEFT's print_trainable_parameters counts it. */
  share: number | null;
  adapterBytes: number | null;
  layers: number;
  source: 'service' | 'local';
}

/**
 * The service's figures when its report is for the config on screen, else the local
 * arithmetic (BOFT parameters only; modules_to_save weights are the service's to count).
 */
export function liveFigures(rows: readonly ModuleRow[], config: BoftConfig, baseParams: number, report: ValidationReport | null, fresh: boolean): LiveFigures {
  if (report && fresh && report.configErrors.length === 0) {
    if (report.layers.some((l) => l.status === 'invalid')) return { trainable: null, share: null, adapterBytes: null, layers: report.layers.length, source: 'service' };
    return { trainable: report.totalBoftParams, share: report.trainableShare, adapterBytes: report.adapterBytes, layers: report.layers.length, source: 'service' };
  }
  const dims = targetedDims(rows, config);
  const s = shapeSetting(config);
  const trainable = totalParams(dims, s);
  const share = trainable !== null && baseParams + trainable > 0 ? trainable / (baseParams + trainable) : null;
  return { trainable, share, adapterBytes: adapterFileBytes(dims, s), layers: dims.length, source: 'local' };
}

export type NodeValidity =
  | { kind: 'na' }
  | { kind: 'ok'; blockSize: number; blockNum: number; params: number }
  | { kind: 'invalid'; reason: string; suggestions: string[] };

function wantedBlockSize(c: BoftConfig, d: number): number {
  if (c.boft_block_size > 0) return c.boft_block_size;
  return c.boft_block_num > 0 ? d / c.boft_block_num : 4;
}

/** Whether the shape setting fits this node (every row a node stands for shares its shape). */
export function nodeValidity(node: Pick<ViewNode, 'rotatedDim' | 'inFeatures' | 'outFeatures' | 'adaptable'>, config: BoftConfig, service?: LayerValidation): NodeValidity {
  const d = node.rotatedDim ?? node.inFeatures;
  if (!node.adaptable || d === undefined || node.outFeatures === undefined) return { kind: 'na' };
  if (service && service.status === 'invalid') {
    return { kind: 'invalid', reason: service.reason, suggestions: service.suggestions.map((c) => `block size ${c.boft_block_size || '—'}, count ${c.boft_block_num || '—'}, ×${c.boft_n_butterfly_factor}`) };
  }
  const r = resolveShape(d, node.outFeatures, shapeSetting(config));
  if (r.ok) return { kind: 'ok', blockSize: r.blockSize, blockNum: r.blockNum, params: r.params };
  const sizes = nearestValidBlockSizes(d, config.boft_n_butterfly_factor, wantedBlockSize(config, d));
  return { kind: 'invalid', reason: r.reason, suggestions: sizes.map((b) => `block size ${b}`) };
}

/** Aggregate match of a node over every path it stands for. */
export function nodeVerdict(node: ViewNode, config: BoftConfig): { verdict: MatchVerdict; count: number } {
  let count = 0;
  let verdict: MatchVerdict = 'none';
  const verdictOf = compileVerdict(config);
  for (const p of node.paths) {
    const v = verdictOf(p);
    if (v === 'target') count++;
    if (verdict === 'none' || v === 'target') verdict = v;
  }
  return { verdict, count };
}

export interface BlockProblem {
  d: number;
  paths: string[];
  reason: string;
  suggestions: number[];
}

/** Targeted layers the shape setting does not fit, grouped by rotated dimension. */
export function blockProblems(rows: readonly ModuleRow[], config: BoftConfig): BlockProblem[] {
  const byD = new Map<number, BlockProblem>();
  const s = shapeSetting(config);
  for (const l of targetedDims(rows, config)) {
    const r = resolveShape(l.d, l.out, s);
    if (r.ok) continue;
    const hit = byD.get(l.d);
    if (hit) hit.paths.push(l.path);
    else byD.set(l.d, { d: l.d, paths: [l.path], reason: r.reason, suggestions: nearestValidBlockSizes(l.d, s.factors, wantedBlockSize(config, l.d)) });
  }
  return [...byD.values()];
}
