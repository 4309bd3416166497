// A small PyTorch-style module tree on tfjs. Dotted names produced here are the names
// that reach files (checkpoints, adapters) and the names `target_modules` matches.
import * as tf from '@tensorflow/tfjs';

/** What the studio and `boft inspect` show for one module. */
export interface ModuleInfo {
  /** Dotted path from the root, '' for the root itself. */
  path: string;
  /** The PyTorch class name it mirrors: 'Linear', 'Conv2d', 'Conv1D', 'Embedding', ... */
  type: string;
  inFeatures?: number;
  outFeatures?: number;
  /** Own parameters (not children's): name → shape. */
  params: Record<string, number[]>;
  /** Number of elements in own parameters. */
  numParams: number;
  childNames: string[];
}

/**
 * Base class of every module. Parameters are tf.Variables owned by the module; a frozen
 * parameter is a Variable with trainable = false, so optimizers skip it.
 */
export abstract class Module {
  /** PyTorch class name, used by type filters and `target_modules` type checks. */
  abstract readonly typeName: string;
  training = true;
  private readonly childMap = new Map<string, Module>();
  private readonly paramMap = new Map<string, tf.Variable>();
  private readonly bufferMap = new Map<string, tf.Tensor>();

  /** Registers (or replaces) a child; replacing does not dispose the old child. */
  protected registerModule<M extends Module>(name: string, child: M): M {
    assertName(name);
    this.childMap.set(name, child);
    return child;
  }

  /** Takes ownership of `value` as a Variable; the caller must not dispose `value` afterwards. */
  protected registerParameter(name: string, value: tf.Tensor, trainable = true): tf.Variable {
    assertName(name);
    const old = this.paramMap.get(name);
    if (old) old.dispose();
    const v = value instanceof tf.Variable ? value : tf.variable(value, trainable);
    if (v !== value) value.dispose();
    v.trainable = trainable;
    this.paramMap.set(name, v);
    return v;
  }

  /** Non-trainable state that is not saved with parameters (e.g. rotary caches). */
  protected registerBuffer(name: string, value: tf.Tensor): tf.Tensor {
    assertName(name);
    this.bufferMap.get(name)?.dispose();
    this.bufferMap.set(name, tf.keep(value));
    return value;
  }

  protected removeParameter(name: string): void {
    this.paramMap.get(name)?.dispose();
    this.paramMap.delete(name);
  }

  param(name: string): tf.Variable {
    const p = this.paramMap.get(name);
    if (!p) throw new Error(`${this.typeName} has no parameter '${name}' (has: ${[...this.paramMap.keys()].join(', ') || 'none'})`);
    return p;
  }

  hasParam(name: string): boolean {
    return this.paramMap.has(name);
  }

  buffer(name: string): tf.Tensor {
    const b = this.bufferMap.get(name);
    if (!b) throw new Error(`${this.typeName} has no buffer '${name}'`);
    return b;
  }

  child(name: string): Module | undefined {
    return this.childMap.get(name);
  }

  /** Direct children in registration order. */
  children(): [string, Module][] {
    return [...this.childMap.entries()];
  }

  /** Own parameters only. */
  ownParameters(): [string, tf.Variable][] {
    return [...this.paramMap.entries()];
  }

  /** Pre-order walk: the root first (named `prefix`), then children with dotted names. */
  *namedModules(prefix = ''): Generator<[string, Module]> {
    yield [prefix, this];
    for (const [name, child] of this.childMap) {
      yield* child.namedModules(prefix ? `${prefix}.${name}` : name);
    }
  }

  /** All parameters with dotted names, e.g. `encoder.layer.0.attention.attention.query.weight`. */
  namedParameters(prefix = ''): [string, tf.Variable][] {
    const out: [string, tf.Variable][] = [];
    for (const [path, m] of this.namedModules(prefix)) {
      for (const [name, p] of m.paramMap) out.push([path ? `${path}.${name}` : name, p]);
    }
    return out;
  }

  getSubmodule(path: string): Module {
    if (path === '') return this;
    return path.split('.').reduce<Module>((cur, part) => {
      const next = cur.childMap.get(part);
      if (!next) throw new Error(`no submodule '${path}': '${part}' not found under ${cur.typeName}`);
      return next;
    }, this);
  }

  /** Replaces the module at `path` (which must exist); returns the old one, not disposed. */
  setSubmodule(path: string, replacement: Module): Module {
    const dot = path.lastIndexOf('.');
    const parent = dot < 0 ? this : this.getSubmodule(path.slice(0, dot));
    const name = path.slice(dot + 1);
    const old = parent.childMap.get(name);
    if (!old) throw new Error(`no submodule '${path}' to replace`);
    parent.childMap.set(name, replacement);
    return old;
  }

  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Shape/feature summary of this module alone; layers override to add in/out features. */
  info(path: string): ModuleInfo {
    const params: Record<string, number[]> = {};
    let numParams = 0;
    for (const [name, p] of this.paramMap) {
      params[name] = p.shape.slice();
      numParams += p.size;
    }
    return { path, type: this.typeName, params, numParams, childNames: [...this.childMap.keys()] };
  }

  /** Disposes own parameters, buffers and all children. */
  dispose(): void {
    for (const p of this.paramMap.values()) p.dispose();
    for (const b of this.bufferMap.values()) b.dispose();
    this.paramMap.clear();
    this.bufferMap.clear();
    for (const c of this.childMap.values()) c.dispose();
  }
}

/** A module with a single-tensor forward, the shape of every adaptable layer. */
export abstract class Layer extends Module {
  abstract forward(x: tf.Tensor): tf.Tensor;
}

function assertName(name: string): void {
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`invalid module/parameter name '${name}'`);
}

export function countParameters(m: Module, onlyTrainable = false): number {
  let n = 0;
  for (const [, p] of m.namedParameters()) if (!onlyTrainable || p.trainable) n += p.size;
  return n;
}
