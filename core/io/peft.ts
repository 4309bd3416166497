// PEFT's adapter directory format for BOFT: adapter_config.json (PEFT's field names, keys
// sorted, indent 2, as PEFT writes it) and adapter_model.safetensors with keys
// `base_model.model.<module path>.boft_R` [m,k,b,b] / `.boft_s`, no adapter name, no
// permutation buffers, plus bias and modules_to_save tensors named as PEFT names them.
import type * as tf from '@tensorflow/tfjs';
import { parseAdapterConfig, type BOFTConfig } from '../boft/config';
import type { BOFTModel } from '../boft/model';
import { parseSafetensors, serializeSafetensors, toFloat32, type TensorEntry, type TensorToWrite } from './safetensors';

export const PEFT_KEY_PREFIX = 'base_model.model.';
export const ADAPTER_CONFIG_NAME = 'adapter_config.json';
export const ADAPTER_WEIGHTS_NAME = 'adapter_model.safetensors';

/**
 * Maps a module path between naming schemes (e.g. transformers-5 in-memory ViT names vs the
 * legacy names in checkpoint files). The model zoo supplies one per architecture.
 */
export type NameMap = (modulePath: string) => string;

export const identityNames: NameMap = (p) => p;

/** Applies `map` to the module part of `path.param`. */
export function mapParamName(name: string, map: NameMap): string {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? name : `${map(name.slice(0, dot))}${name.slice(dot)}`;
}

/** The two files' contents. */
export interface AdapterFiles {
  configText: string;
  weights: Uint8Array;
}

/** Tensors PEFT would save for `adapterName`, keyed as in the file; values are live (not copies). */
export function adapterTensors(bm: BOFTModel, adapterName = 'default', toFile: NameMap = identityNames): Map<string, tf.Tensor> {
  const config = requireConfig(bm, adapterName);
  const out = new Map<string, tf.Tensor>();
  const put = (modelName: string, t: tf.Tensor): void => void out.set(PEFT_KEY_PREFIX + mapParamName(modelName, toFile), t);
  for (const [path, l] of bm.boftLayers()) {
    if (!l.hasAdapter(adapterName)) continue;
    put(`${path}.boft_R`, l.boftR.get(adapterName));
    put(`${path}.boft_s`, l.boftS.get(adapterName));
  }
  for (const [name, t] of biasTensors(bm, config, adapterName)) put(name, t);
  for (const [path, w] of bm.wrappers()) {
    if (!w.copies.has(adapterName)) continue;
    for (const [rel, p] of w.copies.get(adapterName).namedParameters()) put(`${path}.${rel}`, p);
  }
  return out;
}

function requireConfig(bm: BOFTModel, adapterName: string): BOFTConfig {
  const config = bm.peftConfig.get(adapterName);
  if (!config) throw new Error(`no adapter '${adapterName}' to save (adapters: ${[...bm.peftConfig.keys()].join(', ') || 'none'})`);
  return config;
}

/** PEFT's bias selection: 'all' = every `.bias` (adapter name dropped), 'boft_only' = adapted layers' base biases. */
function biasTensors(bm: BOFTModel, config: BOFTConfig, adapterName: string): [string, tf.Tensor][] {
  if (config.bias === 'boft_only') {
    return bm.boftLayers().flatMap(([path, l]): [string, tf.Tensor][] => {
      const b = l.baseBias();
      return b ? [[`${path}.base_layer.bias`, b]] : [];
    });
  }
  if (config.bias !== 'all') return [];
  const others = [...bm.peftConfig.keys()].filter((n) => n !== adapterName);
  return bm.model
    .namedParameters()
    .filter(([name]) => name === 'bias' || name.endsWith('.bias'))
    .filter(([name]) => !others.some((o) => name.includes(`.modules_to_save.${o}.`)))
    .map(([name, p]): [string, tf.Tensor] => [name.replace(`.modules_to_save.${adapterName}.`, '.modules_to_save.'), p]);
}

/** JSON with keys sorted at every level and 2-space indent (Python's json.dumps(sort_keys=True, indent=2)). */
export function pythonStyleJson(value: unknown): string {
  const sortDeep = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortDeep);
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, sortDeep((v as Record<string, unknown>)[k])]));
    }
    return v;
  };
  return JSON.stringify(sortDeep(value), null, 2);
}

/** Both files of `adapterName`, as PEFT's save_pretrained writes them. */
export async function serializeAdapter(bm: BOFTModel, adapterName = 'default', toFile: NameMap = identityNames): Promise<AdapterFiles> {
  const config = requireConfig(bm, adapterName);
  const tensors = adapterTensors(bm, adapterName, toFile);
  const list: TensorToWrite[] = [];
  for (const [name, t] of tensors) list.push({ name, dtype: 'F32', shape: t.shape.slice(), data: (await t.data()) as Float32Array });
  return { configText: pythonStyleJson(config.toAdapterConfigJson()), weights: serializeSafetensors(list, { format: 'pt' }) };
}

/** An adapter read from its two files; tensors are still raw entries (nothing allocated). */
export interface ParsedAdapter {
  config: BOFTConfig;
  warnings: string[];
  tensors: Map<string, TensorEntry>;
  sourceName: string;
}

export function parseAdapterFiles(files: AdapterFiles, sourceName: string): ParsedAdapter {
  let json: unknown;
  try {
    json = JSON.parse(files.configText);
  } catch (e) {
    throw new Error(`${sourceName}/${ADAPTER_CONFIG_NAME}: invalid JSON (${(e as Error).message})`);
  }
  const { config, warnings } = parseAdapterConfig(json, `${sourceName}/${ADAPTER_CONFIG_NAME}`);
  const file = parseSafetensors(files.weights, `${sourceName}/${ADAPTER_WEIGHTS_NAME}`);
  for (const e of file.tensors.values()) {
    if (!['F32', 'F16', 'BF16', 'F64'].includes(e.dtype)) {
      throw new Error(`${sourceName}/${ADAPTER_WEIGHTS_NAME}: tensor '${e.name}' has dtype ${e.dtype}; adapter tensors must be F32, F16, BF16 or F64`);
    }
  }
  return { config, warnings, tensors: file.tensors, sourceName };
}

/** A file key split into what it addresses. */
export type AdapterKey =
  | { kind: 'boft'; param: 'boft_R' | 'boft_s'; path: string; key: string }
  | { kind: 'other'; name: string; key: string };

/**
 * Normalizes one file key: `base_model.model.` is optional; a trailing adapter name after
 * boft_R/boft_s (full state dicts carry one) is dropped; module paths go through `toModel`.
 */
export function classifyKey(key: string, toModel: NameMap = identityNames): AdapterKey {
  const bare = key.startsWith(PEFT_KEY_PREFIX) ? key.slice(PEFT_KEY_PREFIX.length) : key;
  const m = /^(.*)\.(boft_R|boft_s)(?:\.[A-Za-z0-9_]+)?$/.exec(bare);
  if (m) return { kind: 'boft', param: m[2] as 'boft_R' | 'boft_s', path: toModel(m[1]), key };
  return { kind: 'other', name: mapParamName(bare, toModel), key };
}

/** fp32 values of an entry (F16/BF16/F64 converted exactly as torch's .float()). */
export function entryValues(e: TensorEntry): Float32Array {
  return toFloat32(e);
}

/**
 * How one architecture names adapter module paths: `toModel` maps any accepted file naming
 * (legacy checkpoint names or transformers-5 in-memory names) to this tree's names, `toFile`
 * maps this tree's names to the canonical file names. Registered by the model zoo.
 */
export interface AdapterNaming {
  toModel: NameMap;
  toFile: NameMap;
  /** Other names of a tree path, so target_modules in either naming select it (optional). */
  aliases?: (treePath: string) => string[];
}

const namings = new Map<string, AdapterNaming>();

/** Registers the naming for a config.json `model_type` (e.g. 'vit', 'dinov2'). */
export function registerAdapterNaming(modelType: string, naming: AdapterNaming): void {
  namings.set(modelType, naming);
}

/** The registered naming, or identity both ways. */
export function adapterNamingFor(modelType: string | undefined): AdapterNaming {
  return (modelType !== undefined ? namings.get(modelType) : undefined) ?? { toModel: identityNames, toFile: identityNames };
}

/**
 * Rewrites parsed adapter files in canonical PEFT form without a model: keys prefixed with
 * `base_model.model.`, no adapter names, module paths through `toFile`; tensor bytes and
 * dtypes unchanged; the config normalized (PEFT fields only, sorted, inference_mode true).
 */
export function canonicalizeAdapter(parsed: ParsedAdapter, toFile: NameMap = identityNames): AdapterFiles {
  const list: TensorToWrite[] = [];
  const seen = new Map<string, string>();
  for (const [key, e] of parsed.tensors) {
    const c = classifyKey(key);
    const name = PEFT_KEY_PREFIX + (c.kind === 'boft' ? `${toFile(c.path)}.${c.param}` : mapParamName(c.name, toFile));
    const prev = seen.get(name);
    if (prev !== undefined) throw new Error(`${parsed.sourceName}: tensors '${prev}' and '${key}' both map to '${name}'`);
    seen.set(name, key);
    list.push({ name, dtype: e.dtype, shape: e.shape.slice(), data: e.data });
  }
  return { configText: pythonStyleJson(parsed.config.toAdapterConfigJson()), weights: serializeSafetensors(list, { format: 'pt' }) };
}
