// Module-tree plumbing for the architectures: grouping nodes and calls by path.
import type * as tf from '@tensorflow/tfjs';
import { Layer, Module } from '../nn/module';

export class Container extends Module {
  constructor(readonly typeName: string) {
    super();
  }

  add<M extends Module>(name: string, m: M): M {
    return this.registerModule(name, m);
  }
}

/** A module node that only groups children (e.g. `attention.output`). */
export function container(typeName: string, children: Record<string, Module>): Container {
  const c = new Container(typeName);
  for (const [k, m] of Object.entries(children)) c.add(k, m);
  return c;
}

/**
 * Calls the layer at `path` under `root`. Looking it up on every call (rather than keeping a
 * field) is what makes a layer swapped in by adapter injection take part in the forward.
 */
export function callAt(root: Module, path: string, x: tf.Tensor): tf.Tensor {
  const m = root.getSubmodule(path);
  if (!(m instanceof Layer)) throw new Error(`${root.typeName}: '${path}' is a ${m.typeName}, not a Layer`);
  return m.forward(x);
}
