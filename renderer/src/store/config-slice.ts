// BOFTConfig editing: the config being edited, local field checks, the service's
// validate-config report (debounced, stale answers dropped), presets and tree-driven targets.
import { completeConfig, DEFAULT_CONFIG, type BoftConfig, type BoftConfigInput, type ModuleRow, type ValidationReport } from '../api';
import { compileVerdict, fullMatcher, patternsForSelection } from '../lib/patterns';
import { errorText, type SliceCreator } from './types';

export type Preset = 'attention' | 'mlp' | 'all-linear';

export interface ConfigSlice {
  config: BoftConfig;
  report: ValidationReport | null;
  /** The config `report` answers; the report is fresh while this is `config`. */
  reportConfig: BoftConfig | null;
  validating: boolean;
  validationError: string | null;
  budget: number;
  configNotice: string | null;
  resetConfig(config: BoftConfigInput): void;
  setField<K extends keyof BoftConfig>(key: K, value: BoftConfig[K]): void;
  applyPreset(preset: Preset): void;
  setTargeted(paths: readonly string[], on: boolean): void;
  setBudget(budget: number): void;
  validateNow(): Promise<void>;
}

const ATTENTION = /(^|\.)(attn|attention|self_attn|self_attention|q_proj|k_proj|v_proj|o_proj|query|key|value|out_proj|c_attn|qkv)(\.|$)/;
const MLP = /(^|\.)(mlp|ffn|feed_forward|fc1|fc2|intermediate|output|gate_proj|up_proj|down_proj|c_fc|c_proj|dense)(\.|$)/;
const HEAD = /(^|\.)(classifier|lm_head|head|score)$/;

export function presetSelection(rows: readonly ModuleRow[], preset: Preset): Set<string> {
  const linear = rows.filter((r) => r.adaptable && r.type !== 'Conv2d' && !HEAD.test(r.path));
  const pick = (r: ModuleRow): boolean => {
    switch (preset) {
      case 'attention': return ATTENTION.test(r.path);
      case 'mlp': return !ATTENTION.test(r.path) && MLP.test(r.path);
      case 'all-linear': return true;
    }
  };
  return new Set(linear.filter(pick).map((r) => r.path));
}

/** Adaptable paths the config targets now. */
export function targetedPaths(rows: readonly ModuleRow[], config: BoftConfig): Set<string> {
  const verdict = compileVerdict(config);
  return new Set(rows.filter((r) => r.adaptable && verdict(r.path) === 'target').map((r) => r.path));
}

/** Field checks that need no model; the service adds per-layer ones. */
export function localFieldErrors(c: BoftConfig): Record<string, string> {
  const e: Record<string, string> = {};
  if (c.boft_block_size < 0 || !Number.isInteger(c.boft_block_size)) e.boft_block_size = `boft_block_size must be a non-negative integer, got ${c.boft_block_size}`;
  if (c.boft_block_num < 0 || !Number.isInteger(c.boft_block_num)) e.boft_block_num = `boft_block_num must be a non-negative integer, got ${c.boft_block_num}`;
  if ((c.boft_block_size === 0) === (c.boft_block_num === 0)) {
    e.boft_block_size = `set exactly one of boft_block_size (${c.boft_block_size}) and boft_block_num (${c.boft_block_num}); the other must be 0`;
  }
  if (!Number.isInteger(c.boft_n_butterfly_factor) || c.boft_n_butterfly_factor < 1) e.boft_n_butterfly_factor = `boft_n_butterfly_factor must be an integer ≥ 1, got ${c.boft_n_butterfly_factor}`;
  if (!(c.boft_dropout >= 0 && c.boft_dropout < 1)) e.boft_dropout = `boft_dropout must be in [0, 1), got ${c.boft_dropout}`;
  if (typeof c.target_modules === 'string' && fullMatcher(c.target_modules) === null) e.target_modules = `target_modules is not a valid regex: ${c.target_modules}`;
  if (typeof c.exclude_modules === 'string' && fullMatcher(c.exclude_modules) === null) e.exclude_modules = `exclude_modules is not a valid regex: ${c.exclude_modules}`;
  if (c.layers_pattern !== null && c.layers_pattern.length > 0 && c.layers_to_transform === null) {
    e.layers_to_transform = 'layers_pattern is set, so layers_to_transform must be set too';
  }
  return e;
}

export const createConfigSlice: SliceCreator<ConfigSlice> = (set, get, { api, debounceMs }) => {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let seq = 0;
  const scheduleValidation = (): void => {
    if (timer !== null) clearTimeout(timer);
    set({ validating: true });
    timer = setTimeout(() => {
      timer = null;
      void get().validateNow();
    }, debounceMs);
  };
  const setTargets = (selection: Set<string>, notice: string | null): void => {
    const patterns = patternsForSelection(selection, get().rows.map((r) => r.path));
    set({ config: { ...get().config, target_modules: patterns.length > 0 ? patterns : null }, configNotice: notice });
    scheduleValidation();
  };
  return {
    config: DEFAULT_CONFIG,
    report: null,
    reportConfig: null,
    validating: false,
    validationError: null,
    budget: 100_000,
    configNotice: null,
    resetConfig: (input) => {
      set({ config: completeConfig(input), report: null, configNotice: null });
      scheduleValidation();
    },
    setField: (key, value) => {
      set({ config: { ...get().config, [key]: value }, configNotice: null });
      scheduleValidation();
    },
    applyPreset: (preset) => {
      const sel = presetSelection(get().rows, preset);
      setTargets(sel, sel.size === 0 ? `The ${preset} preset matches no Linear layer of this model.` : null);
    },
    setTargeted: (paths, on) => {
      const { rows, config } = get();
      const sel = targetedPaths(rows, config);
      for (const p of paths) {
        if (on) sel.add(p);
        else sel.delete(p);
      }
      const wasRegex = typeof config.target_modules === 'string';
      setTargets(sel, wasRegex ? 'target_modules was a regex; the tree selection replaced it with a list.' : null);
    },
    setBudget: (budget) => set({ budget }),
    validateNow: async () => {
      const mine = ++seq;
      const config = get().config;
      set({ validating: true });
      const r = await api.call('config.validate', { config });
      if (mine !== seq) return;
      if (r.ok) set({ report: r.value, reportConfig: config, validating: false, validationError: null });
      else set({ report: null, reportConfig: null, validating: false, validationError: errorText(r.error) });
    },
  };
};
