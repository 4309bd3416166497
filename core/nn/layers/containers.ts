// PyTorch containers: ModuleList (children '0', '1', …), ModuleDict, Sequential.
import * as tf from '@tensorflow/tfjs';
import { Layer, Module } from '../module';

/**
 * Children are read back through the module tree on every access, so a child replaced by
 * setSubmodule (adapter injection) is the one used.
 */
export class ModuleList<M extends Module = Module> extends Module {
  readonly typeName: string = 'ModuleList';
  private count = 0;

  constructor(modules: M[] = []) {
    super();
    for (const m of modules) this.append(m);
  }

  append(m: M): this {
    this.registerModule(String(this.count), m);
    this.count += 1;
    return this;
  }

  get length(): number {
    return this.count;
  }

  /** The module at index i; negative indices count from the end, as in Python. */
  get(i: number): M {
    const j = i < 0 ? this.count + i : i;
    const m = this.child(String(j));
    if (!m) throw new Error(`ModuleList index ${i} out of range (length ${this.count})`);
    return m as M;
  }

  *[Symbol.iterator](): Iterator<M> {
    for (let i = 0; i < this.count; i++) yield this.get(i);
  }
}

export class ModuleDict<M extends Module = Module> extends Module {
  readonly typeName: string = 'ModuleDict';

  constructor(modules: Record<string, M> | [string, M][] = {}) {
    super();
    const entries = Array.isArray(modules) ? modules : Object.entries(modules);
    for (const [k, m] of entries) this.set(k, m);
  }

  set(key: string, m: M): this {
    this.registerModule(key, m);
    return this;
  }

  get(key: string): M {
    const m = this.child(key);
    if (!m) throw new Error(`ModuleDict has no key '${key}' (keys: ${this.keys().join(', ') || 'none'})`);
    return m as M;
  }

  has(key: string): boolean {
    return this.child(key) !== undefined;
  }

  keys(): string[] {
    return this.children().map(([k]) => k);
  }
}

/** Applies its layers in order; children are named '0', '1', … as nn.Sequential. */
export class Sequential extends Layer {
  readonly typeName: string = 'Sequential';
  private count = 0;

  constructor(layers: Layer[] = []) {
    super();
    for (const l of layers) this.append(l);
  }

  append(layer: Layer): this {
    this.registerModule(String(this.count), layer);
    this.count += 1;
    return this;
  }

  get length(): number {
    return this.count;
  }

  /** Current child at index i (children may have been replaced through setSubmodule). */
  get(i: number): Layer {
    const m = this.child(String(i));
    if (!(m instanceof Layer)) throw new Error(`Sequential index ${i} out of range or not a Layer (length ${this.count})`);
    return m;
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let h = x;
      for (let i = 0; i < this.count; i++) h = this.get(i).forward(h);
      return h;
    });
  }
}
