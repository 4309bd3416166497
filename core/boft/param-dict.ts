// A module whose parameters are keyed by adapter name, so that state names read
// `<layer>.boft_R.<adapter>` exactly as PEFT's nn.ParameterDict produces them.
import * as tf from '@tensorflow/tfjs';
import { Module } from '../nn/module';

export class ParameterDict extends Module {
  readonly typeName: string = 'ParameterDict';

  /** Takes ownership of `value`. */
  set(key: string, value: tf.Tensor, trainable: boolean): tf.Variable {
    return this.registerParameter(key, value, trainable);
  }

  get(key: string): tf.Variable {
    return this.param(key);
  }

  has(key: string): boolean {
    return this.hasParam(key);
  }

  /** Disposes the parameter. */
  delete(key: string): void {
    this.removeParameter(key);
  }

  keys(): string[] {
    return this.ownParameters().map(([k]) => k);
  }
}

/** Adapter names become parameter names, so they must be plain identifiers. */
export function assertAdapterName(name: string): void {
  if (!/^[A-Za-z0-9_]+$/.test(name)) {
    throw new Error(`adapter name '${name}' is invalid; allowed: letters, digits and '_' (it becomes part of parameter names such as boft_R.${name})`);
  }
}
