// Which modules a config targets, with PEFT 0.21's matching rules (check_target_module_exists):
// a string is a regex matched against the whole path; a list matches a path equal to an entry
// or ending in '.' + entry; layers_to_transform filters only suffix matches, reading the first
// numbered segment (or the one after a layers_pattern) as the layer index.
import type { BoftConfig } from '../api';

export type MatchVerdict = 'target' | 'excluded' | 'saved' | 'layer-filtered' | 'none';

export type TargetSpec = Pick<BoftConfig, 'target_modules' | 'exclude_modules' | 'modules_to_save' | 'layers_to_transform' | 'layers_pattern'>;

// verdictFor runs once per module per config change (10k times on a big tree): compile each
// pattern once. The regexes have no g/y flag, so test() keeps no state between calls.
const compiled = new Map<string, RegExp | null>();

function memoRegex(key: string, make: () => RegExp | null): RegExp | null {
  if (compiled.has(key)) return compiled.get(key) ?? null;
  if (compiled.size > 500) compiled.clear();
  const re = make();
  compiled.set(key, re);
  return re;
}

/** Compiles a Python-style pattern for a full match; null when the regex is invalid. */
export function fullMatcher(pattern: string): RegExp | null {
  return memoRegex(`full\0${pattern}`, () => {
    try {
      return new RegExp(`^(?:${pattern})$`);
    } catch {
      return null;
    }
  });
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The layer index PEFT reads from a path, or null. */
export function layerIndexOf(path: string, layersPattern: string[] | string | null): number | null {
  const patterns = layersPattern === null ? [] : typeof layersPattern === 'string' ? [layersPattern] : layersPattern;
  if (patterns.length === 0 || (patterns.length === 1 && patterns[0] === '')) {
    const m = /^.*?\.[^.]*\.(\d+)\./.exec(path);
    return m ? Number(m[1]) : null;
  }
  for (const p of patterns) {
    // PEFT interpolates layers_pattern as a regex; so do we.
    let re: RegExp;
    try {
      re = new RegExp(`^(?:|.*?\\.)${p}\\.(\\d+)\\.`);
    } catch {
      re = new RegExp(`^(?:|.*?\\.)${escapeRe(p)}\\.(\\d+)\\.`);
    }
    const m = re.exec(path);
    if (m) return Number(m[1]);
  }
  return null;
}

function savedMatcher(name: string): RegExp {
  // PEFT interpolates modules_to_save entries as regex; an invalid one is taken literally.
  const re = memoRegex(`saved\0${name}`, () => {
    try {
      return new RegExp(`^(?:|.*\\.)${name}(?:$|\\..*)`);
    } catch {
      return new RegExp(`^(?:|.*\\.)${escapeRe(name)}(?:$|\\..*)`);
    }
  });
  return re as RegExp;
}

function usesLayerIndexes(ltt: number[] | number | null): ltt is number[] | number {
  return ltt !== null && (typeof ltt === 'number' || ltt.length > 0);
}

/** How the config treats the module at `path`. */
export function verdictFor(path: string, spec: TargetSpec): MatchVerdict {
  return compileVerdict(spec)(path);
}

/**
 * verdictFor with the config compiled once: a tree recounts every path against one config
 * (10k calls on a big tree, the first of them before the JIT has warmed up), so list
 * patterns become Set lookups instead of a template string per key per path.
 */
export function compileVerdict(spec: TargetSpec): (path: string) => MatchVerdict {
  const excluded = compileSpec(spec.exclude_modules);
  const saved = (spec.modules_to_save ?? []).map(savedMatcher);
  const target = compileSpec(spec.target_modules);
  const t = spec.target_modules;
  const ltt = spec.layers_to_transform;
  return (path) => {
    if (excluded(path)) return 'excluded';
    if (saved.some((re) => re.test(path))) return 'saved';
    if (!target(path)) return 'none';
    // layers_to_transform filters only list (suffix) matches, and never an exact name.
    if (typeof t === 'string' || t === null || !usesLayerIndexes(ltt) || t.includes(path)) return 'target';
    const idx = layerIndexOf(path, spec.layers_pattern);
    if (idx === null) return 'layer-filtered';
    const keep = typeof ltt === 'number' ? idx === ltt : ltt.includes(idx);
    return keep ? 'target' : 'layer-filtered';
  };
}

/** A target/exclude spec as a predicate: a string is a full regex match, a list a name or dotted-suffix match. */
function compileSpec(spec: string[] | string | null | undefined): (path: string) => boolean {
  if (spec === null || spec === undefined) return () => false;
  if (typeof spec === 'string') {
    const re = fullMatcher(spec);
    return (path) => re?.test(path) ?? false;
  }
  if (spec.length === 0) return () => false;
  // path === k or path ends in '.k': for a key without dots, the path's last segment is k.
  const exact = new Set(spec);
  const oneSegment = new Set(spec.filter((k) => !k.includes('.')));
  const dottedSuffixes = spec.filter((k) => k.includes('.')).map((k) => `.${k}`);
  return (path) => exact.has(path) || oneSegment.has(path.slice(path.lastIndexOf('.') + 1)) || dottedSuffixes.some((d) => path.endsWith(d));
}

/**
 * Shortest list of suffix patterns matching exactly `selected` among `allPaths`: for each
 * selected path, its shortest dotted suffix that matches no unselected path.
 */
export function patternsForSelection(selected: ReadonlySet<string>, allPaths: readonly string[]): string[] {
  const unselected = allPaths.filter((p) => p !== '' && !selected.has(p));
  const out = new Set<string>();
  for (const path of [...selected].sort()) {
    if ([...out].some((k) => path === k || path.endsWith(`.${k}`))) continue;
    const parts = path.split('.');
    for (let i = parts.length - 1; i >= 0; i--) {
      const suffix = parts.slice(i).join('.');
      const last = i === 0;
      // No suffix is exact when the full path ends another path; keep the full path then.
      if (!last && unselected.some((u) => u === suffix || u.endsWith(`.${suffix}`))) continue;
      out.add(suffix);
      break;
    }
  }
  return [...out].sort();
}

/** Parses the editor's target text: `re:<regex>` is a regex, else a comma-separated list. */
export function parseTargetText(text: string): string[] | string | null {
  const t = text.trim();
  if (t === '') return null;
  if (t.startsWith('re:')) return t.slice(3);
  return t.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

export function formatTargetText(spec: string[] | string | null): string {
  if (spec === null) return '';
  return typeof spec === 'string' ? `re:${spec}` : spec.join(', ');
}
