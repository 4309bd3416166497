// BOFTModel: a module tree with BOFT adapters injected in place, and PEFT's adapter
// operations in camelCase. Every operation validates first and changes the model last.
import type * as tf from '@tensorflow/tfjs';
import { Layer, type Module } from '../nn/module';
import { Linear } from '../nn/layers/linear';
import { Conv1D } from '../nn/layers/linear';
import { Conv2d } from '../nn/layers/conv';
import { deriveSeed } from '../nn/init';
import { BOFTConfig } from './config';
import { BOFTLayer, BOFTConv1D, BOFTLinear } from './layer';
import { BOFTConv2d } from './conv';
import { planInjection, type MatchOptions, type TargetPlan } from './inject';
import { ModulesToSaveWrapper, modulesToSavePaths } from './modules-to-save';
import { commitStaged, stageMerge, stageUnmerge, type ProgressCallback } from './merge';
import { assertAdapterName } from './param-dict';
import { boftParamCount } from './geometry';

export interface BOFTModelOptions extends MatchOptions {
  /** Seed for init_weights=false and dropout block choice (deterministic per adapter). */
  seed?: number;
}

export interface AdapterInfo {
  name: string;
  active: boolean;
  /** Layers where it is merged / holds it. */
  mergedLayers: number;
  layers: number;
  boftParams: number;
}

export interface TrainableSummary {
  trainable: number;
  total: number;
  percent: number;
  text: string;
}

export interface MergeAndUnloadOptions {
  progressbar?: boolean;
  safeMerge?: boolean;
  adapterNames?: string[];
  onProgress?: ProgressCallback;
}

function wrapLayer(path: string, base: Module): BOFTLayer {
  if (base instanceof Linear) return new BOFTLinear(path, base);
  if (base instanceof Conv1D) return new BOFTConv1D(path, base);
  if (base instanceof Conv2d) return new BOFTConv2d(path, base);
  throw new Error(`BOFT: cannot wrap '${path}' (${base.typeName}); supported: Linear, Conv1D, Conv2d`);
}

export class BOFTModel {
  readonly model: Module;
  readonly peftConfig = new Map<string, BOFTConfig>();
  /** Non-fatal notes collected during injection/loading (never printed by the core). */
  readonly warnings: string[] = [];
  private active: string[] = [];
  private readonly options: BOFTModelOptions;
  private adapterCount = 0;

  /** `plan` (from the loader) fixes each layer's geometry; by default it comes from the config. */
  constructor(model: Module, config: BOFTConfig, adapterName = 'default', options: BOFTModelOptions = {}, plan?: TargetPlan[]) {
    this.model = model;
    this.options = options;
    const first = this.boftLayers().length === 0;
    this.addAdapter(adapterName, config, plan);
    if (first) this.markOnlyAdaptersTrainable();
    this.setAdapter(adapterName);
  }

  get activeAdapters(): string[] {
    return [...this.active];
  }

  /** Adapted layers with their dotted paths, in module order. */
  boftLayers(): [string, BOFTLayer][] {
    return [...this.model.namedModules()].filter((e): e is [string, BOFTLayer] => e[1] instanceof BOFTLayer);
  }

  wrappers(): [string, ModulesToSaveWrapper][] {
    return [...this.model.namedModules()].filter((e): e is [string, ModulesToSaveWrapper] => e[1] instanceof ModulesToSaveWrapper);
  }

  /** Validates the config against every matched layer, then injects (atomic). */
  addAdapter(name: string, config: BOFTConfig, plan?: TargetPlan[]): void {
    assertAdapterName(name);
    if (this.peftConfig.has(name)) throw new Error(`adapter '${name}' already exists (adapters: ${[...this.peftConfig.keys()].join(', ')})`);
    const targets = plan ?? planInjection(config, this.model, this.options);
    const seed = deriveSeed(this.options.seed ?? 0, ++this.adapterCount);
    this.checkModulesToSave(config);
    for (const [i, t] of targets.entries()) this.injectOne(t, name, config, deriveSeed(seed, i));
    for (const key of config.modules_to_save ?? []) for (const path of this.modulesToSavePaths(key)) this.ensureWrapper(path).addAdapter(name);
    if (config.fan_in_fan_out && targets.some((t) => t.type === 'Linear')) {
      this.warnings.push(`adapter '${name}': fan_in_fan_out=true ignored for Linear layers (their weight is [out, in])`);
    }
    this.peftConfig.set(name, config);
    this.refreshTrainable();
  }

  private injectOne(t: TargetPlan, name: string, config: BOFTConfig, seed: number): void {
    const current = this.model.getSubmodule(t.path);
    const layer = current instanceof BOFTLayer ? current : wrapLayer(t.path, current);
    if (layer !== current) this.model.setSubmodule(t.path, layer);
    layer.training = current.training;
    layer.addAdapter(name, { geometry: t.geometry, dropout: config.boft_dropout, initWeights: config.init_weights, seed, trainable: false });
  }

  /** Every modules_to_save entry must resolve to modules before any change. */
  private checkModulesToSave(config: BOFTConfig): void {
    for (const key of config.modules_to_save ?? []) {
      const paths = this.modulesToSavePaths(key);
      if (paths.length === 0) throw new Error(`modules_to_save: '${key}' matches no module (names match exactly or as a dotted suffix)`);
      for (const path of paths) {
        const m = this.model.getSubmodule(path);
        if (!(m instanceof Layer)) {
          throw new Error(`modules_to_save: '${path}' is a ${m.typeName} without a single-tensor forward; supported: layers such as Linear, Conv2d, LayerNorm, Embedding`);
        }
      }
    }
  }

  modulesToSavePaths(key: string): string[] {
    return modulesToSavePaths(this.model, key);
  }

  private ensureWrapper(path: string): ModulesToSaveWrapper {
    const m = this.model.getSubmodule(path);
    if (m instanceof ModulesToSaveWrapper) return m;
    const w = new ModulesToSaveWrapper(path, m);
    w.training = m.training;
    this.model.setSubmodule(path, w);
    return w;
  }

  /** Activates adapters; they compose in this order (x·M_n···M_1), equal to merging in it. */
  setAdapter(names: string | string[]): void {
    const list = typeof names === 'string' ? [names] : [...names];
    for (const n of list) {
      if (!this.peftConfig.has(n)) throw new Error(`setAdapter: no adapter '${n}' (adapters: ${[...this.peftConfig.keys()].join(', ')})`);
    }
    if (new Set(list).size !== list.length) throw new Error(`setAdapter: duplicate adapter in [${list.join(', ')}]`);
    this.active = list;
    for (const [, l] of this.boftLayers()) l.activeAdapters = list.filter((n) => l.hasAdapter(n));
    for (const [, w] of this.wrappers()) w.activeAdapter = list.find((n) => w.copies.has(n)) ?? null;
    this.refreshTrainable();
  }

  /** PEFT: first injection freezes every base parameter; bias per `bias` stays trainable. */
  private markOnlyAdaptersTrainable(): void {
    for (const [name, p] of this.model.namedParameters()) {
      if (!/\.boft_[Rs]\./.test(name) && !/\.modules_to_save\./.test(name)) p.trainable = false;
    }
  }

  /** Active, non-inference adapters train; others are frozen; biases follow `bias`. */
  private refreshTrainable(): void {
    const trains = (n: string): boolean => this.active.includes(n) && !(this.peftConfig.get(n)?.inference_mode ?? false);
    for (const [, l] of this.boftLayers()) for (const n of l.adapterNames()) l.setTrainable(n, trains(n));
    for (const [, w] of this.wrappers()) {
      for (const n of w.copies.keys()) for (const [, p] of w.copies.get(n).namedParameters()) p.trainable = trains(n);
    }
    const modes = this.active.filter(trains).map((n) => this.peftConfig.get(n)?.bias ?? 'none');
    if (modes.includes('all')) {
      for (const [name, p] of this.model.namedParameters()) if (name === 'bias' || name.endsWith('.bias')) p.trainable = true;
    } else if (modes.includes('boft_only')) {
      for (const [, l] of this.boftLayers()) {
        const b = l.baseBias();
        if (b) b.trainable = true;
      }
    }
  }

  deleteAdapter(name: string): void {
    if (!this.peftConfig.has(name)) throw new Error(`deleteAdapter: no adapter '${name}' (adapters: ${[...this.peftConfig.keys()].join(', ')})`);
    const merged = this.boftLayers().filter(([, l]) => l.mergedAdapters.includes(name));
    if (merged.length > 0) throw new Error(`deleteAdapter: '${name}' is merged into ${merged.length} layer(s), e.g. '${merged[0][0]}'; unmerge() first`);
    for (const [, l] of this.boftLayers()) if (l.hasAdapter(name)) l.deleteAdapter(name);
    for (const [, w] of this.wrappers()) w.deleteAdapter(name);
    this.peftConfig.delete(name);
    const remaining = this.active.filter((n) => n !== name);
    const fallback = [...this.peftConfig.keys()].slice(0, 1);
    this.setAdapter(remaining.length > 0 ? remaining : fallback);
  }

  private setDisabled(disabled: boolean): void {
    if (disabled) {
      const merged = this.boftLayers().find(([, l]) => l.mergedAdapters.length > 0);
      if (merged) throw new Error(`disableAdapters: layer '${merged[0]}' has merged adapters [${merged[1].mergedAdapters.join(', ')}]; unmerge() first`);
    }
    for (const [, l] of this.boftLayers()) l.disableAdapters = disabled;
    for (const [, w] of this.wrappers()) w.disableAdapters = disabled;
  }

  disableAdapterLayers(): void {
    this.setDisabled(true);
  }

  enableAdapterLayers(): void {
    this.setDisabled(false);
  }

  /** Runs `fn` with every adapter (and modules_to_save copy) bypassed, then restores. */
  withDisabledAdapters<T>(fn: () => T): T {
    this.setDisabled(true);
    try {
      return fn();
    } finally {
      this.setDisabled(false);
    }
  }

  private mergeNames(adapterNames?: string[]): string[] {
    const names = adapterNames ?? this.active;
    for (const n of names) if (!this.peftConfig.has(n)) throw new Error(`merge: no adapter '${n}' (adapters: ${[...this.peftConfig.keys()].join(', ')})`);
    return names;
  }

  /** Folds adapters (default: the active ones, in order) into the base weights; atomic. */
  merge(adapterNames?: string[], safeMerge = false, onProgress?: ProgressCallback): void {
    const layers = this.boftLayers().map(([, l]) => l);
    commitStaged(stageMerge(layers, this.mergeNames(adapterNames), safeMerge, onProgress));
  }

  /** Takes every merged adapter out of the base weights; atomic. */
  unmerge(): void {
    commitStaged(stageUnmerge(this.boftLayers().map(([, l]) => l)));
  }

  /** Merges, then replaces adapter layers by their base layers; returns the plain model. */
  mergeAndUnload(opts: MergeAndUnloadOptions = {}): Module {
    this.merge(opts.adapterNames, opts.safeMerge ?? false, opts.progressbar === false ? undefined : opts.onProgress);
    return this.unload();
  }

  /** Removes all adapters without merging (merged weights stay merged); returns the model. */
  unload(): Module {
    for (const [path, l] of this.boftLayers()) {
      this.model.setSubmodule(path, l.baseLayer);
      l.dropAdapters();
    }
    for (const [path, w] of this.wrappers()) {
      const keep = w.current() === w.original ? w.original : w.current();
      this.model.setSubmodule(path, keep);
      if (keep !== w.original) w.original.dispose();
      for (const n of w.copies.keys()) if (w.copies.get(n) !== keep) w.copies.get(n).dispose();
    }
    this.peftConfig.clear();
    this.active = [];
    return this.model;
  }

  listAdapters(): AdapterInfo[] {
    return [...this.peftConfig.keys()].map((name) => {
      const layers = this.boftLayers().filter(([, l]) => l.hasAdapter(name)).map(([, l]) => l);
      const boftParams = layers.reduce((s, l) => s + boftParamCount(l.geometry(name), l.outFeatures), 0);
      return { name, active: this.active.includes(name), mergedLayers: layers.filter((l) => l.mergedAdapters.includes(name)).length, layers: layers.length, boftParams };
    });
  }

  /** PEFT's print_trainable_parameters, returned rather than printed. */
  trainableParameters(): TrainableSummary {
    let trainable = 0;
    let total = 0;
    for (const [, p] of this.model.namedParameters()) {
      total += p.size;
      if (p.trainable) trainable += p.size;
    }
    const percent = total === 0 ? 0 : (100 * trainable) / total;
    const text = `trainable params: ${trainable.toLocaleString('en-US')} || all params: ${total.toLocaleString('en-US')} || trainable%: ${percent.toFixed(4)}`;
    return { trainable, total, percent, text };
  }

  /** Trainable variables (what an optimizer should update). */
  trainableVariables(): tf.Variable[] {
    return this.model.namedParameters().filter(([, p]) => p.trainable).map(([, p]) => p);
  }

  train(mode = true): this {
    this.model.train(mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  dispose(): void {
    this.model.dispose();
  }
}

/** PEFT's get_peft_model for BOFT. */
export function getPeftModel(model: Module, config: BOFTConfig, adapterName = 'default', options: BOFTModelOptions = {}): BOFTModel {
  return new BOFTModel(model, config, adapterName, options);
}
