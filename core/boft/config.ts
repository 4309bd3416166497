// BOFTConfig: every field of PEFT 0.21's BOFTConfig (+ PeftConfig's saved fields), with the
// same snake_case names and defaults, validated once at construction so that a bad value is
// reported where the user typed it, not deep inside injection.
import { z } from 'zod';
import { pyRegexToJs } from './regex';

export type BiasMode = 'none' | 'all' | 'boft_only';

/** The fields exactly as adapter_config.json spells them. */
export interface BOFTConfigFields {
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
  auto_mapping: Record<string, unknown> | null;
  peft_version: string | null;
}

export type BOFTConfigInput = Partial<BOFTConfigFields> & { peft_type?: 'BOFT' };

/** The PEFT version whose format we write and whose semantics we reproduce. */
export const PEFT_VERSION = '0.21.0';

export const BOFT_DEFAULTS: Readonly<BOFTConfigFields> = Object.freeze({
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
  auto_mapping: null,
  peft_version: null,
});

interface FieldRule {
  schema: z.ZodType;
  allowed: string;
}

const strOrList = z.union([z.string(), z.array(z.string())]).nullable();
const nonNegInt = z.int().min(0);

const FIELD_RULES: Record<keyof BOFTConfigFields, FieldRule> = {
  boft_block_size: { schema: nonNegInt, allowed: 'an integer >= 0 (0 when boft_block_num is set)' },
  boft_block_num: { schema: nonNegInt, allowed: 'an integer >= 0 (0 when boft_block_size is set)' },
  boft_n_butterfly_factor: { schema: z.int().min(1), allowed: 'an integer >= 1 (1 = plain OFT)' },
  target_modules: { schema: strOrList, allowed: "a list of names/dotted suffixes, a full-match regex string, 'all-linear', or null" },
  exclude_modules: { schema: strOrList, allowed: 'a list of names/dotted suffixes, a full-match regex string, or null' },
  boft_dropout: { schema: z.number().min(0).lt(1), allowed: 'a number in [0, 1)' },
  fan_in_fan_out: { schema: z.boolean(), allowed: 'true or false' },
  bias: { schema: z.enum(['none', 'all', 'boft_only']), allowed: "'none', 'all' or 'boft_only'" },
  modules_to_save: { schema: z.array(z.string()).nullable(), allowed: 'a list of module names, or null' },
  init_weights: { schema: z.boolean(), allowed: 'true (identity) or false (random, for tests)' },
  layers_to_transform: { schema: z.union([nonNegInt, z.array(nonNegInt)]).nullable(), allowed: 'a layer index >= 0, a list of them, or null' },
  layers_pattern: { schema: strOrList, allowed: "a name such as 'layers' or 'h', a list of them, or null" },
  inference_mode: { schema: z.boolean(), allowed: 'true or false' },
  base_model_name_or_path: { schema: z.string().nullable(), allowed: 'a string or null' },
  revision: { schema: z.string().nullable(), allowed: 'a string or null' },
  task_type: { schema: z.string().nullable(), allowed: "a PEFT task type such as 'SEQ_CLS', 'CAUSAL_LM', or null" },
  auto_mapping: { schema: z.record(z.string(), z.unknown()).nullable(), allowed: 'an object or null' },
  peft_version: { schema: z.string().nullable(), allowed: 'a version string or null' },
};

export const BOFT_CONFIG_KEYS = Object.keys(FIELD_RULES) as (keyof BOFTConfigFields)[];

function fmt(v: unknown): string {
  return JSON.stringify(v) ?? String(v);
}

/** Field-level type/range checks; the message names the field, the value and what is allowed. */
function checkFields(fields: BOFTConfigFields): void {
  for (const key of BOFT_CONFIG_KEYS) {
    const rule = FIELD_RULES[key];
    if (!rule.schema.safeParse(fields[key]).success) {
      throw new Error(`BOFTConfig: ${key}=${fmt(fields[key])} is invalid; allowed: ${rule.allowed}`);
    }
  }
}

/** Cross-field rules PEFT enforces in __post_init__, with the fix spelled out. */
function checkCombinations(f: BOFTConfigFields): void {
  const size = f.boft_block_size;
  const num = f.boft_block_num;
  if (size === 0 && num === 0) {
    throw new Error(
      'BOFTConfig: boft_block_size=0 and boft_block_num=0; exactly one of them must be nonzero ' +
        '(e.g. boft_block_size=4, or boft_block_num=8 with boft_block_size=0)',
    );
  }
  if (size !== 0 && num !== 0) {
    throw new Error(
      `BOFTConfig: boft_block_size=${size} and boft_block_num=${num} are both nonzero; exactly one may be set ` +
        `because boft_block_size x boft_block_num = in_features. To use boft_block_num=${num}, boft_block_size must be 0; ` +
        `to use boft_block_size=${size}, boft_block_num must be 0`,
    );
  }
  const patternGiven = f.layers_pattern !== null && f.layers_pattern.length > 0;
  if (patternGiven && f.layers_to_transform === null) {
    throw new Error(
      `BOFTConfig: layers_pattern=${fmt(f.layers_pattern)} is set but layers_to_transform=null; ` +
        'layers_pattern is only used together with layers_to_transform (set it, or set layers_pattern=null)',
    );
  }
  if (typeof f.target_modules === 'string') checkRegex('target_modules', f.target_modules);
  if (typeof f.exclude_modules === 'string') checkRegex('exclude_modules', f.exclude_modules);
}

function checkRegex(field: string, pattern: string): void {
  try {
    new RegExp(pyRegexToJs(pattern));
  } catch (e) {
    throw new Error(`BOFTConfig: ${field}=${fmt(pattern)} is not a valid regular expression (${(e as Error).message}); allowed: a full-match regex string or a list of names`);
  }
}

/** An immutable, validated BOFT configuration. Field names are PEFT's. */
export class BOFTConfig implements BOFTConfigFields {
  readonly peft_type = 'BOFT' as const;
  readonly boft_block_size!: number;
  readonly boft_block_num!: number;
  readonly boft_n_butterfly_factor!: number;
  readonly target_modules!: string[] | string | null;
  readonly exclude_modules!: string[] | string | null;
  readonly boft_dropout!: number;
  readonly fan_in_fan_out!: boolean;
  readonly bias!: BiasMode;
  readonly modules_to_save!: string[] | null;
  readonly init_weights!: boolean;
  readonly layers_to_transform!: number[] | number | null;
  readonly layers_pattern!: string[] | string | null;
  readonly inference_mode!: boolean;
  readonly base_model_name_or_path!: string | null;
  readonly revision!: string | null;
  readonly task_type!: string | null;
  readonly auto_mapping!: Record<string, unknown> | null;
  readonly peft_version!: string | null;

  constructor(input: BOFTConfigInput = {}) {
    if (input.peft_type !== undefined && input.peft_type !== 'BOFT') {
      throw new Error(`BOFTConfig: peft_type=${fmt(input.peft_type)} is invalid; allowed: 'BOFT'`);
    }
    const fields: BOFTConfigFields = { ...BOFT_DEFAULTS };
    for (const key of BOFT_CONFIG_KEYS) {
      const v = input[key];
      if (v !== undefined) (fields as unknown as Record<string, unknown>)[key] = v;
    }
    checkFields(fields);
    checkCombinations(fields);
    Object.assign(this, copyFields(fields));
    Object.freeze(this);
  }

  /** A new config with some fields replaced (validated again). */
  with(changes: BOFTConfigInput): BOFTConfig {
    return new BOFTConfig({ ...this.fields(), ...changes });
  }

  fields(): BOFTConfigFields {
    const out = {} as Record<string, unknown>;
    for (const key of BOFT_CONFIG_KEYS) out[key] = this[key];
    return copyFields(out as unknown as BOFTConfigFields);
  }

  /** adapter_config.json content in PEFT's key order; lists stay JSON lists. */
  toAdapterConfigJson(options: { saved?: boolean } = {}): Record<string, unknown> {
    const f = this.fields();
    const ordered: Record<string, unknown> = {
      task_type: f.task_type,
      peft_type: 'BOFT',
      auto_mapping: f.auto_mapping,
      peft_version: f.peft_version ?? PEFT_VERSION,
      base_model_name_or_path: f.base_model_name_or_path,
      revision: f.revision,
      inference_mode: options.saved === false ? f.inference_mode : true,
    };
    for (const key of BOFT_CONFIG_KEYS) if (!(key in ordered)) ordered[key] = f[key];
    return ordered;
  }
}

function copyFields(f: BOFTConfigFields): BOFTConfigFields {
  const listCopy = <T>(v: T[] | T | null): T[] | T | null => (Array.isArray(v) ? [...v] : v);
  return {
    ...f,
    target_modules: listCopy(f.target_modules),
    exclude_modules: listCopy(f.exclude_modules),
    modules_to_save: f.modules_to_save ? [...f.modules_to_save] : null,
    layers_to_transform: listCopy(f.layers_to_transform),
    layers_pattern: listCopy(f.layers_pattern),
    auto_mapping: f.auto_mapping ? { ...f.auto_mapping } : null,
  };
}

export interface ParsedAdapterConfig {
  config: BOFTConfig;
  /** One line per ignored key, for the caller to show; never printed here. */
  warnings: string[];
}

/** Reads adapter_config.json content. Unknown keys are ignored with a collected warning. */
export function parseAdapterConfig(json: unknown, sourceName = 'adapter_config.json'): ParsedAdapterConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new Error(`${sourceName}: expected a JSON object, got ${Array.isArray(json) ? 'an array' : typeof json}`);
  }
  const obj = json as Record<string, unknown>;
  if (obj.peft_type !== 'BOFT') {
    throw new Error(`${sourceName}: peft_type=${fmt(obj.peft_type)} is not supported; allowed: 'BOFT'`);
  }
  const known = new Set<string>([...BOFT_CONFIG_KEYS, 'peft_type']);
  const warnings: string[] = [];
  const input: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) {
    if (known.has(key)) input[key] = value;
    else warnings.push(`${sourceName}: ignoring unknown key '${key}' (=${fmt(value)})`);
  }
  try {
    return { config: new BOFTConfig(input as BOFTConfigInput), warnings };
  } catch (e) {
    throw new Error(`${sourceName}: ${(e as Error).message}`);
  }
}
