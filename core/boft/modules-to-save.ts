// modules_to_save: PEFT keeps the original module and trains a per-adapter copy, with state
// names `<path>.original_module.*` and `<path>.modules_to_save.<adapter>.*`; files carry the
// copy under the plain `<path>.*` names.
import * as tf from '@tensorflow/tfjs';
import { Layer, Module } from '../nn/module';
import { ModuleDict } from '../nn/layers/containers';

/** The Module fields a deep copy must rebuild (module.ts keeps them as plain private fields). */
interface ModuleInternals {
  childMap: Map<string, Module>;
  paramMap: Map<string, tf.Variable>;
  bufferMap: Map<string, tf.Tensor>;
}

function internals(m: Module): ModuleInternals {
  const i = m as unknown as Partial<ModuleInternals>;
  if (!(i.childMap instanceof Map) || !(i.paramMap instanceof Map) || !(i.bufferMap instanceof Map)) {
    throw new Error(`cannot copy ${m.typeName} for modules_to_save: Module internals changed (expected childMap/paramMap/bufferMap)`);
  }
  return i as ModuleInternals;
}

/** Deep copy: same class and settings, own copies of parameters (same trainability) and buffers. */
export function cloneModule<M extends Module>(m: M): M {
  const src = internals(m);
  const copy = Object.assign(Object.create(Object.getPrototypeOf(m) as object) as M, m);
  const dst = copy as unknown as ModuleInternals;
  dst.paramMap = new Map([...src.paramMap].map(([k, p]) => [k, copyVariable(p)]));
  dst.bufferMap = new Map([...src.bufferMap].map(([k, b]) => [k, tf.keep(b.clone())]));
  dst.childMap = new Map([...src.childMap].map(([k, c]) => [k, cloneModule(c)]));
  return copy;
}

/** A new Variable with p's values; the temporary clone is released (a Variable keeps its own handle). */
function copyVariable(p: tf.Variable): tf.Variable {
  const c = p.clone();
  const v = tf.variable(c, p.trainable);
  c.dispose();
  return v;
}

export class ModulesToSaveWrapper extends Layer {
  readonly typeName: string = 'ModulesToSaveWrapper';
  readonly path: string;
  activeAdapter: string | null = null;
  disableAdapters = false;

  constructor(path: string, original: Module) {
    super();
    if (!(original instanceof Layer)) {
      throw new Error(`modules_to_save: '${path}' is a ${original.typeName} without a single-tensor forward; supported: layers such as Linear, Conv2d, LayerNorm, Embedding`);
    }
    this.path = path;
    this.registerModule('original_module', original);
    this.registerModule('modules_to_save', new ModuleDict<Layer>());
  }

  get original(): Layer {
    return this.child('original_module') as Layer;
  }

  get copies(): ModuleDict<Layer> {
    return this.child('modules_to_save') as ModuleDict<Layer>;
  }

  /** Adds a trainable copy of the original for `adapter`. */
  addAdapter(adapter: string): void {
    if (this.copies.has(adapter)) return;
    const copy = cloneModule(this.original);
    for (const [, p] of copy.namedParameters()) p.trainable = true;
    this.copies.set(adapter, copy);
  }

  deleteAdapter(adapter: string): void {
    if (!this.copies.has(adapter)) return;
    this.copies.get(adapter).dispose();
    deleteChild(this.copies, adapter);
    if (this.activeAdapter === adapter) this.activeAdapter = null;
  }

  /** The module a forward uses now. */
  current(): Layer {
    if (this.disableAdapters || this.activeAdapter === null || !this.copies.has(this.activeAdapter)) return this.original;
    return this.copies.get(this.activeAdapter);
  }

  forward(x: tf.Tensor): tf.Tensor {
    return this.current().forward(x);
  }
}

/** Paths a modules_to_save entry denotes: exact name or dotted suffix, outside adapter internals. */
export function modulesToSavePaths(root: Module, key: string): string[] {
  const out: string[] = [];
  for (const [path] of root.namedModules()) {
    if (!path || !(path === key || path.endsWith(`.${key}`))) continue;
    if (out.some((p) => path.startsWith(`${p}.`))) continue;
    if (/\.(original_module|modules_to_save|base_layer)(\.|$)/.test(path)) continue;
    out.push(path);
  }
  return out;
}

function deleteChild(parent: Module, name: string): void {
  internals(parent).childMap.delete(name);
}
