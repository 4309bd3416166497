// The BOFTConfig fields the studio edits, PEFT 0.21's defaults for them, and the choices of
// the enumerated ones: the one copy the renderer, the contract and the worker share. core/
// holds the same defaults (core/boft/config.ts, BOFT_DEFAULTS); the contract cannot import
// core, so electron/worker/boft-config.test.ts checks the two are equal.

export const BIAS_MODES = ['none', 'all', 'boft_only'] as const;
export type BiasMode = (typeof BIAS_MODES)[number];

/** Every editable field, as adapter_config.json spells it (auto_mapping, peft_version are written by core). */
export interface BoftConfig {
  boft_block_size: number;
  boft_block_num: number;
  boft_n_butterfly_factor: number;
  target_modules: string[] | string | null;
  exclude_modules: string[] | string | null;
  boft_dropout: number;
  fan_in_fan_out: boolean;
  bias: BiasMode;
  modules_to_save: string[] | null;
  init_weights: boolean;
  layers_to_transform: number[] | number | null;
  layers_pattern: string[] | string | null;
  inference_mode: boolean;
  base_model_name_or_path: string | null;
  revision: string | null;
  task_type: string | null;
}

/** PEFT 0.21's defaults, in adapter_config.json's field order. */
export const BOFT_CONFIG_DEFAULTS: Readonly<BoftConfig> = Object.freeze({
  boft_block_size: 4,
  boft_block_num: 0,
  boft_n_butterfly_factor: 1,
  target_modules: null,
  exclude_modules: null,
  boft_dropout: 0,
  fan_in_fan_out: false,
  bias: 'none',
  modules_to_save: null,
  init_weights: true,
  layers_to_transform: null,
  layers_pattern: null,
  inference_mode: false,
  base_model_name_or_path: null,
  revision: null,
  task_type: null,
});

export const BOFT_CONFIG_FIELDS = Object.keys(BOFT_CONFIG_DEFAULTS) as readonly (keyof BoftConfig)[];

/** A partial config (omitted fields = defaults) as a complete one; unknown keys are dropped. */
export function completeBoftConfig(input: Partial<Record<keyof BoftConfig, unknown>>): BoftConfig {
  const out: Record<string, unknown> = { ...BOFT_CONFIG_DEFAULTS };
  for (const key of BOFT_CONFIG_FIELDS) if (input[key] !== undefined) out[key] = input[key];
  return out as unknown as BoftConfig;
}
