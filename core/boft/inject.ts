// Which modules get an adapter: PEFT 0.21's check_target_module_exists semantics, reproduced
// rule by rule (exclude first; modules_to_save never adapted; a string is a full-match regex;
// a list matches exact names or dotted suffixes; layers_to_transform/layers_pattern filter only
// suffix matches of a list), plus planning that validates every layer before anything changes.
import { Module } from '../nn/module';
import { Linear, Conv1D } from '../nn/layers/linear';
import { Conv2d } from '../nn/layers/conv';
import type { BoftGeometry } from '../math/geometry';
import type { BOFTConfigFields } from './config';
import { layerGeometry, type AdaptableType } from './geometry';
import { BOFTLayer } from './layer';
import { convFilterDetail, convFilterDim } from './conv';
import { ModulesToSaveWrapper } from './modules-to-save';
import { fullMatch, pyRegexToJs } from './regex';

export type MatchResult = 'excluded' | 'matched' | 'unmatched';

type MatchFields = Pick<BOFTConfigFields, 'target_modules' | 'exclude_modules' | 'modules_to_save' | 'layers_to_transform' | 'layers_pattern'>;

function isExcluded(f: MatchFields, key: string): boolean {
  const ex = f.exclude_modules;
  if (ex !== null && ex.length > 0) {
    if (typeof ex === 'string') {
      if (fullMatch(ex, key)) return true;
    } else if (ex.includes(key) || ex.some((e) => key.endsWith(`.${e}`))) return true;
  }
  // PEFT never adapts a module that is (inside) a modules_to_save entry.
  return (f.modules_to_save ?? []).some((m) => new RegExp(`^(?:^|.*\\.)${pyRegexToJs(m)}(?:$|\\..*)`).test(key));
}

/** The layer index PEFT reads from `key` (first numbered segment after a layers_pattern), or null. */
export function layerIndexOf(key: string, layersPattern: string[] | string | null): number | null {
  const patterns = layersPattern === null || layersPattern.length === 0 ? null : typeof layersPattern === 'string' ? [layersPattern] : layersPattern;
  let match: RegExpMatchArray | null = null;
  if (patterns === null) match = key.match(/^.*?\.[^.]*\.(\d+)\./);
  else {
    for (const p of patterns) {
      match = key.match(new RegExp(`^(?:|.*?\\.)${pyRegexToJs(p)}\\.(\\d+)\\.`));
      if (match) break;
    }
  }
  return match ? Number(match[1]) : null;
}

function passesLayerFilter(f: MatchFields, key: string): boolean {
  const idx = f.layers_to_transform;
  const using = idx !== null && (Array.isArray(idx) ? idx.length > 0 : true);
  if (!using) return true;
  const found = layerIndexOf(key, f.layers_pattern);
  if (found === null) return false;
  return Array.isArray(idx) ? idx.includes(found) : idx === found;
}

/** One module name against the config, in PEFT's order of rules. */
export function checkTargetModuleExists(f: MatchFields, key: string): MatchResult {
  if (isExcluded(f, key)) return 'excluded';
  const t = f.target_modules;
  if (t === null) return 'unmatched';
  if (typeof t === 'string') return fullMatch(t, key) ? 'matched' : 'unmatched';
  if (t.includes(key)) return 'matched';
  if (!t.some((s) => key.endsWith(`.${s}`))) return 'unmatched';
  return passesLayerFilter(f, key) ? 'matched' : 'unmatched';
}

export interface MatchOptions {
  /**
   * Layers 'all-linear' must skip (PEFT skips the model's output embedding / classifier
   * head, which it finds through transformers; the model zoo supplies the names here).
   */
  outputLayerNames?: string[];
  /**
   * Other names of the module at `key` (the model zoo: transformers 5.x renames ViT/DINOv2
   * modules in memory but files keep the legacy names the tree uses). A module matches when
   * its name or any alias does; it is excluded when any of them is excluded.
   */
  aliases?: (key: string) => string[];
}

function checkWithAliases(f: MatchFields, key: string, opts: MatchOptions): MatchResult {
  const results = [key, ...(opts.aliases?.(key) ?? [])].map((k) => checkTargetModuleExists(f, k));
  if (results.includes('excluded')) return 'excluded';
  return results.includes('matched') ? 'matched' : 'unmatched';
}

/** Module names eligible for matching: not the root, not inside an adapter layer or a wrapper. */
export function candidateModules(root: Module): [string, Module][] {
  const out: [string, Module][] = [];
  const internals: string[] = [];
  for (const [key, m] of root.namedModules()) {
    if (!key || internals.some((p) => key.startsWith(p))) continue;
    out.push([key, m]);
    if (m instanceof BOFTLayer || m instanceof ModulesToSaveWrapper) internals.push(`${key}.`);
  }
  return out;
}

/** 'all-linear' expands to every Linear/Conv1D (incl. adapted ones) except output layers. */
export function resolveTargets(f: MatchFields, root: Module, opts: MatchOptions = {}): MatchFields {
  const t = f.target_modules;
  if (typeof t !== 'string' || t.toLowerCase() !== 'all-linear') return f;
  const skip = new Set(opts.outputLayerNames ?? []);
  const names = candidateModules(root)
    .filter(([key, m]) => !skip.has(key) && isLinearLike(m))
    .map(([key]) => key);
  return { ...f, target_modules: names };
}

function isLinearLike(m: Module): boolean {
  const base = m instanceof BOFTLayer ? m.baseLayer : m;
  return base instanceof Linear || base instanceof Conv1D;
}

export interface MatchReport {
  matched: string[];
  excluded: string[];
  unmatched: string[];
}

export function matchModules(f: MatchFields, root: Module, opts: MatchOptions = {}): MatchReport {
  const resolved = resolveTargets(f, root, opts);
  const report: MatchReport = { matched: [], excluded: [], unmatched: [] };
  for (const [key] of candidateModules(root)) report[checkWithAliases(resolved, key, opts)].push(key);
  return report;
}

/** What injection will do at one layer; computed before anything is changed. */
export interface TargetPlan {
  path: string;
  type: AdaptableType;
  geometry: BoftGeometry;
  outFeatures: number;
}

/** The base layer kind of a (possibly already adapted) module, or null if unsupported. */
export function adaptableKind(m: Module): { type: AdaptableType; d: number; out: number; detail?: string } | null {
  const base = m instanceof BOFTLayer ? m.baseLayer : m;
  if (base instanceof Linear) return { type: 'Linear', d: base.inFeatures, out: base.outFeatures };
  if (base instanceof Conv1D) return { type: 'Conv1D', d: base.inFeatures, out: base.outFeatures };
  if (base instanceof Conv2d) return { type: 'Conv2d', d: convFilterDim(base), out: base.outChannels, detail: convFilterDetail(base) };
  return null;
}

function noMatchError(f: MatchFields, r: MatchReport, root: Module): Error {
  const hint = (): string => {
    let s = '';
    if (f.layers_to_transform !== null) s += ` Note: layers_to_transform=${JSON.stringify(f.layers_to_transform)}.`;
    if (f.layers_pattern !== null) s += ` layers_pattern=${JSON.stringify(f.layers_pattern)}.`;
    const names = candidateModules(root).filter(([, m]) => adaptableKind(m) !== null).map(([k]) => k);
    return `${s} Adaptable modules in this model include: ${names.slice(0, 12).join(', ') || '(none)'}${names.length > 12 ? ', …' : ''}`;
  };
  if (r.excluded.length > 0 && r.unmatched.length === 0) {
    return new Error('BOFT: all modules were excluded; check target_modules, exclude_modules and modules_to_save.' + hint());
  }
  if (f.target_modules === null || f.target_modules.length === 0) {
    return new Error('BOFT: target_modules is empty/null; give a list of module names, a full-match regex or \'all-linear\'.' + hint());
  }
  if (r.excluded.length === 0) {
    return new Error(`BOFT: target_modules=${JSON.stringify(f.target_modules)} matched no module of the model.` + hint());
  }
  return new Error('BOFT: no module was targeted: matches were all excluded (exclude_modules / modules_to_save).' + hint());
}

/** A matched, supported layer before geometry is decided. */
export interface MatchedTarget {
  path: string;
  type: AdaptableType;
  /** Rotated dim: in_features, or C_in/groups·kh·kw. */
  d: number;
  outFeatures: number;
  detail?: string;
}

/** Matched layers with their kinds; throws if none matched or one is of an unsupported type. */
export function matchTargets(config: MatchFields, root: Module, opts: MatchOptions = {}): MatchedTarget[] {
  const resolved = resolveTargets(config, root, opts);
  const report = matchModules(resolved, root, opts);
  if (report.matched.length === 0) throw noMatchError(resolved, report, root);
  return report.matched.map((path) => {
    const m = root.getSubmodule(path);
    const kind = adaptableKind(m);
    if (!kind) {
      throw new Error(`BOFT: target module '${path}' is a ${m.typeName}; supported: Linear, Conv1D, Conv2d (refine target_modules or add it to exclude_modules)`);
    }
    return { path, type: kind.type, d: kind.d, outFeatures: kind.out, detail: kind.detail };
  });
}

/** Validates every matched layer (type, geometry) and returns the plan; throws before any change. */
export function planInjection(config: BOFTConfigFields, root: Module, opts: MatchOptions = {}): TargetPlan[] {
  return matchTargets(config, root, opts).map((t) => ({
    path: t.path,
    type: t.type,
    geometry: layerGeometry(t.path, t.type, t.d, config, t.detail),
    outFeatures: t.outFeatures,
  }));
}
