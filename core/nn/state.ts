// Parameters by dotted name, the form checkpoints and adapters are stored in.
import * as tf from '@tensorflow/tfjs';
import type { Module } from './module';

/** Every parameter by dotted name. References, not clones: do not dispose them. */
export function stateDict(root: Module): Map<string, tf.Tensor> {
  return new Map<string, tf.Tensor>(root.namedParameters());
}

export interface LoadResult {
  missing: string[];
  unexpected: string[];
}

function mismatch(name: string, p: tf.Variable, t: tf.Tensor): string | undefined {
  const same = p.shape.length === t.shape.length && p.shape.every((d, i) => d === t.shape[i]);
  if (!same) return `'${name}': expected shape [${p.shape}], found [${t.shape}]`;
  if (p.dtype !== t.dtype) return `'${name}': expected dtype ${p.dtype}, found ${t.dtype}`;
  return undefined;
}

/**
 * Names with no tensor given. A Variable registered under several names (tied weights) counts
 * as loaded when any of its names is given.
 */
function missingNames(params: [string, tf.Variable][], tensors: Map<string, tf.Tensor>): string[] {
  const loaded = new Set<tf.Variable>();
  for (const [name, p] of params) if (tensors.has(name)) loaded.add(p);
  return params.filter(([, p]) => !loaded.has(p)).map(([name]) => name);
}

/**
 * Assigns tensors by dotted name. ATOMIC: validates every name/shape/dtype first and throws
 * (naming the tensor, expected vs found shape) before changing anything. strict: missing and
 * unexpected names are errors; non-strict returns them. Does not take ownership of the inputs.
 */
export function loadStateDict(root: Module, tensors: Map<string, tf.Tensor>, opts: { strict?: boolean } = {}): LoadResult {
  const strict = opts.strict ?? true;
  const params = root.namedParameters();
  const byName = new Map(params);
  const unexpected = [...tensors.keys()].filter((n) => !byName.has(n));
  const missing = missingNames(params, tensors);
  const errors: string[] = [];
  for (const [name, t] of tensors) {
    const p = byName.get(name);
    const why = p ? mismatch(name, p, t) : undefined;
    if (why) errors.push(why);
  }
  if (strict && missing.length > 0) errors.push(`missing: ${missing.join(', ')}`);
  if (strict && unexpected.length > 0) errors.push(`unexpected: ${unexpected.join(', ')}`);
  if (errors.length > 0) {
    throw new Error(`loadStateDict into ${root.typeName}: nothing was loaded; ${errors.join('; ')}`);
  }
  for (const [name, t] of tensors) {
    const p = byName.get(name);
    // Assigning a variable its own data would release that data before re-referencing it.
    if (p && p.dataId !== t.dataId) p.assign(t);
  }
  return { missing, unexpected };
}
