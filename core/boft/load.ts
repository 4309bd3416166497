// Loading a PEFT BOFT adapter into a model, atomically: every key is resolved and every shape
// checked against the model (and the geometry against the config) before the model changes.
// m is read from the tensor: PEFT without its CUDA extension trains with m = 1 but saves the
// user's m in the config, so a mismatch is reported as a warning naming the layer.
import * as tf from '@tensorflow/tfjs';
import type { Module } from '../nn/module';
import { classifyKey, entryValues, identityNames, type NameMap, type ParsedAdapter } from '../io/peft';
import type { TensorEntry } from '../io/safetensors';
import type { BoftGeometry } from '../math/geometry';
import type { BOFTConfig } from './config';
import { isValidPair, validBlockSizes } from './geometry';
import { adaptableKind, matchTargets, type MatchOptions, type MatchedTarget, type TargetPlan } from './inject';
import { BOFTLayer } from './layer';
import { BOFTModel, type BOFTModelOptions } from './model';
import { ModulesToSaveWrapper, modulesToSavePaths } from './modules-to-save';

export interface LoadAdapterOptions extends BOFTModelOptions {
  adapterName?: string;
  /** PEFT's is_trainable: false (default) loads the adapter frozen (inference_mode). */
  isTrainable?: boolean;
  /** File module path → model module path. */
  nameMap?: NameMap;
}

interface StagedBoft {
  target: MatchedTarget;
  geometry: BoftGeometry;
  R: TensorEntry;
  s: TensorEntry;
}

type StagedExtra =
  | { kind: 'param'; variable: tf.Variable; entry: TensorEntry }
  | { kind: 'copy'; wrapperPath: string; rel: string; entry: TensorEntry };

interface LoadPlan {
  config: BOFTConfig;
  layers: StagedBoft[];
  extras: StagedExtra[];
  warnings: string[];
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Geometry from boft_R's shape, checked against the layer and the config. */
function geometryFromTensor(t: MatchedTarget, R: TensorEntry, config: BOFTConfig, src: string, warnings: string[]): BoftGeometry {
  const where = `${src}: layer '${t.path}' (${t.type}, in_features=${t.d})`;
  const sh = R.shape;
  if (sh.length !== 4 || sh[2] !== sh[3]) throw new Error(`${where}: boft_R has shape [${sh.join(', ')}], expected [m, k, b, b]`);
  const [m, k, b] = sh;
  if (k * b !== t.d || !isValidPair(t.d, k, b, m)) {
    throw new Error(`${where}: boft_R shape [${sh.join(', ')}] is not a valid BOFT geometry for d=${t.d} (k·b must equal d; valid block sizes for m=${m}: ${validBlockSizes(t.d, m).join(', ') || 'none'})`);
  }
  const wantB = config.boft_block_size !== 0 ? config.boft_block_size : t.d / config.boft_block_num;
  if (wantB !== b) {
    throw new Error(`${where}: boft_R shape [${sh.join(', ')}] has block size ${b} but the config (boft_block_size=${config.boft_block_size}, boft_block_num=${config.boft_block_num}) gives ${wantB}`);
  }
  if (m !== config.boft_n_butterfly_factor) {
    warnings.push(`${where}: boft_R has m=${m} butterfly factors but the config says boft_n_butterfly_factor=${config.boft_n_butterfly_factor} (PEFT without its CUDA extension trains with m=1 and saves the configured m); using the tensor's m=${m}`);
  }
  return { d: t.d, k, b, m };
}

/** The adaptable module a file path addresses; the file's keys choose the layers, as PEFT does when it injects from a state dict. */
function targetAt(root: Module, path: string, src: string): MatchedTarget {
  let m: Module;
  try {
    m = root.getSubmodule(path);
  } catch {
    throw new Error(`${src}: adapter tensors for '${path}', which is not a module of this model (a naming mismatch? pass the architecture's name map)`);
  }
  const kind = adaptableKind(m);
  if (!kind) throw new Error(`${src}: adapter tensors for '${path}', a ${m.typeName}; BOFT adapts Linear, Conv1D, Conv2d`);
  return { path, type: kind.type, d: kind.d, outFeatures: kind.out, detail: kind.detail };
}

/** PEFT warns (not fails) when the file's layers differ from what the config selects. */
function compareWithConfig(targets: MatchedTarget[], parsed: ParsedAdapter, root: Module, opts: MatchOptions, warnings: string[]): void {
  let selected: string[] = [];
  try {
    selected = matchTargets(parsed.config, root, opts).map((t) => t.path);
  } catch (e) {
    warnings.push(`${parsed.sourceName}: the config's target_modules select nothing in this model (${(e as Error).message}); using the layers named in the file`);
    return;
  }
  const inFile = new Set(targets.map((t) => t.path));
  const onlyConfig = selected.filter((p) => !inFile.has(p));
  const onlyFile = [...inFile].filter((p) => !selected.includes(p));
  if (onlyConfig.length > 0) warnings.push(`${parsed.sourceName}: the config selects [${onlyConfig.join(', ')}] but the file has no tensors for them; they get no adapter`);
  if (onlyFile.length > 0) warnings.push(`${parsed.sourceName}: the file has tensors for [${onlyFile.join(', ')}], which the config's target_modules do not select; loaded as in the file`);
}

function stageLayers(parsed: ParsedAdapter, root: Module, opts: LoadAdapterOptions, warnings: string[]): StagedBoft[] {
  const toModel = opts.nameMap ?? identityNames;
  const byPath = new Map<string, Partial<Record<'boft_R' | 'boft_s', TensorEntry>>>();
  for (const [key, e] of parsed.tensors) {
    const c = classifyKey(key, toModel);
    if (c.kind !== 'boft') continue;
    const slot = byPath.get(c.path) ?? {};
    if (slot[c.param]) throw new Error(`${parsed.sourceName}: two tensors for '${c.path}.${c.param}' (e.g. '${key}')`);
    slot[c.param] = e;
    byPath.set(c.path, slot);
  }
  const targets = [...byPath.keys()].map((path) => targetAt(root, path, parsed.sourceName));
  compareWithConfig(targets, parsed, root, opts, warnings);
  return targets.map((t) => {
    const slot = byPath.get(t.path);
    if (!slot?.boft_R || !slot.boft_s) {
      throw new Error(`${parsed.sourceName}: layer '${t.path}' has ${slot?.boft_R ? 'boft_R but no boft_s' : 'boft_s but no boft_R'}`);
    }
    const geometry = geometryFromTensor(t, slot.boft_R, parsed.config, parsed.sourceName, warnings);
    const wantS = t.type === 'Conv2d' ? [1, t.outFeatures] : [t.outFeatures, 1];
    if (!sameShape(slot.boft_s.shape, wantS)) {
      throw new Error(`${parsed.sourceName}: layer '${t.path}' (${t.type}, out=${t.outFeatures}): boft_s has shape [${slot.boft_s.shape.join(', ')}], expected [${wantS.join(', ')}]`);
    }
    return { target: t, geometry, R: slot.boft_R, s: slot.boft_s };
  });
}

/** Finds a parameter by its un-wrapped name, looking through adapter layers and wrappers. */
function findParam(root: Module, name: string): tf.Variable | null {
  const parts = name.split('.');
  let m: Module | undefined = root;
  for (const seg of parts.slice(0, -1)) {
    if (m instanceof BOFTLayer) m = m.baseLayer;
    else if (m instanceof ModulesToSaveWrapper) m = m.original;
    m = m?.child(seg);
    if (!m) return null;
  }
  if (m instanceof BOFTLayer) m = m.baseLayer;
  else if (m instanceof ModulesToSaveWrapper) m = m.original;
  const last = parts[parts.length - 1];
  return m.hasParam(last) ? m.param(last) : null;
}

function stageExtra(key: string, name: string, e: TensorEntry, root: Module, msPaths: string[], src: string): StagedExtra {
  const isCopy = name.includes('.modules_to_save.');
  const plain = name.replace('.modules_to_save.', '.').replace('.original_module.', '.').replace('.base_layer.', '.');
  const wrapperPath = name.includes('.original_module.') ? undefined : msPaths.find((p) => plain.startsWith(`${p}.`));
  const variable = findParam(root, plain);
  if (!variable) throw new Error(`${src}: tensor '${key}' does not address any parameter of the model (looked for '${plain}')`);
  if (!sameShape(variable.shape, e.shape)) {
    throw new Error(`${src}: tensor '${key}' has shape [${e.shape.join(', ')}] but the model's '${plain}' is [${variable.shape.join(', ')}]`);
  }
  if (wrapperPath !== undefined) return { kind: 'copy', wrapperPath, rel: plain.slice(wrapperPath.length + 1), entry: e };
  if (isCopy) throw new Error(`${src}: tensor '${key}' is a modules_to_save copy but '${plain}' is not in modules_to_save`);
  return { kind: 'param', variable, entry: e };
}

function plan(parsed: ParsedAdapter, root: Module, opts: LoadAdapterOptions): LoadPlan {
  const warnings = [...parsed.warnings];
  const config = parsed.config.with({ inference_mode: !(opts.isTrainable ?? false) });
  const layers = stageLayers({ ...parsed, config }, root, opts, warnings);
  const msPaths = (config.modules_to_save ?? []).flatMap((k) => modulesToSavePaths(root, k));
  const extras: StagedExtra[] = [];
  for (const [key, e] of parsed.tensors) {
    const c = classifyKey(key, opts.nameMap ?? identityNames);
    if (c.kind === 'other') extras.push(stageExtra(key, c.name, e, root, msPaths, parsed.sourceName));
  }
  return { config, layers, extras, warnings };
}

function targetPlan(p: LoadPlan): TargetPlan[] {
  return p.layers.map((l) => ({ path: l.target.path, type: l.target.type, geometry: l.geometry, outFeatures: l.target.outFeatures }));
}

/** Installs the staged tensors; everything was validated, so this does not fail midway. */
function commit(bm: BOFTModel, p: LoadPlan, name: string): void {
  for (const l of p.layers) {
    const layer = bm.model.getSubmodule(l.target.path) as BOFTLayer;
    const R = tf.tensor(entryValues(l.R), l.R.shape, 'float32');
    const s = tf.tensor(entryValues(l.s), l.s.shape, 'float32');
    layer.setAdapterTensors(name, R, s, l.geometry, p.config.boft_dropout, false);
  }
  for (const x of p.extras) {
    const values = tf.tensor(entryValues(x.entry), x.entry.shape, 'float32');
    const target = x.kind === 'param' ? x.variable : wrapperCopyParam(bm, x.wrapperPath, name, x.rel);
    target.assign(values);
    values.dispose();
  }
  bm.warnings.push(...p.warnings);
  bm.setAdapter(bm.activeAdapters);
}

function wrapperCopyParam(bm: BOFTModel, path: string, adapter: string, rel: string): tf.Variable {
  const w = bm.model.getSubmodule(path) as ModulesToSaveWrapper;
  const found = w.copies.get(adapter).namedParameters().find(([n]) => n === rel);
  if (!found) throw new Error(`internal: modules_to_save copy '${path}' has no '${rel}'`);
  return found[1];
}

/** PEFT's PeftModel.from_pretrained: injects and loads one adapter; the model is unchanged on error. */
export function fromPretrainedParsed(model: Module, parsed: ParsedAdapter, opts: LoadAdapterOptions = {}): BOFTModel {
  const name = opts.adapterName ?? 'default';
  const p = plan(parsed, model, opts);
  const bm = new BOFTModel(model, p.config, name, opts, targetPlan(p));
  commit(bm, p, name);
  return bm;
}

/** PEFT's load_adapter: adds `adapterName` (not activated) to an existing BOFTModel; atomic. */
export function loadAdapterParsed(bm: BOFTModel, parsed: ParsedAdapter, adapterName: string, opts: Omit<LoadAdapterOptions, 'adapterName'> = {}): string[] {
  if (bm.peftConfig.has(adapterName)) throw new Error(`loadAdapter: adapter '${adapterName}' already exists`);
  const p = plan(parsed, bm.model, opts);
  bm.addAdapter(adapterName, p.config, targetPlan(p));
  commit(bm, p, adapterName);
  return p.warnings;
}

export type { MatchOptions };
