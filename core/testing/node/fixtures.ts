// Test-only loader for the golden fixtures written by core/tools/make-fixtures.py
// (format: core/testing/fixtures/README.md). A malformed fixture fails loudly here, so a
// consumer test never compares against a half-read reference.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { parseSafetensors, tensorsFromFile } from '../../io/safetensors';

export const FIXTURE_ROOT = fileURLToPath(new URL('../fixtures/', import.meta.url));

const count = z.number().int().positive();
const path = z.string().regex(/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/, 'a dotted module path');

const linearLayer = z.strictObject({
  path, type: z.literal('Linear'), in_features: count, out_features: count, bias: z.boolean(),
});
const conv2dLayer = z.strictObject({
  path,
  type: z.literal('Conv2d'),
  in_channels: count,
  out_channels: count,
  kernel_size: z.tuple([count, count]),
  stride: z.tuple([count, count]),
  padding: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]).or(z.enum(['same', 'valid'])),
  dilation: z.tuple([count, count]),
  groups: count,
  padding_mode: z.enum(['zeros', 'reflect', 'replicate', 'circular']),
  bias: z.boolean(),
});
/** GPT-2 Conv1D: weight stored (nx, nf), i.e. (in, out). */
const conv1dLayer = z.strictObject({ path, type: z.literal('Conv1D'), nx: count, nf: count, bias: z.boolean() });

const fixtureLayer = z.discriminatedUnion('type', [linearLayer, conv2dLayer, conv1dLayer]);

const fixtureSpec = z.strictObject({
  name: z.string().min(1),
  description: z.string(),
  layers: z.array(fixtureLayer).min(1),
  adapters: z.array(z.strictObject({ name: z.string().min(1), dir: z.string().min(1) })).min(1),
  active: z.array(z.string()).min(1),
  /** 'peft': PEFT's own outputs; 'torch-dense': base op with the merged weight, where PEFT is wrong or refuses. */
  reference: z.enum(['peft', 'torch-dense']),
  notes: z.string(),
});

export type FixtureLayer = z.infer<typeof fixtureLayer>;
export type LinearFixtureLayer = z.infer<typeof linearLayer>;
export type Conv2dFixtureLayer = z.infer<typeof conv2dLayer>;
export type Conv1DFixtureLayer = z.infer<typeof conv1dLayer>;
export type FixtureSpec = z.infer<typeof fixtureSpec>;

export interface FixtureCase {
  name: string;
  /** Absolute path of the case directory. */
  dir: string;
  spec: FixtureSpec;
  /** Every tensor of tensors.safetensors as float32; the caller disposes them. */
  tensors: Map<string, tf.Tensor>;
  /** Adapter name → absolute directory holding adapter_config.json + adapter_model.safetensors. */
  adapterDirs: Record<string, string>;
}

export function listFixtureCases(group = 'boft', root = FIXTURE_ROOT): string[] {
  const dir = join(root, group);
  return readdirSync(dir)
    .filter((n) => statSync(join(dir, n)).isDirectory() && existsSync(join(dir, n, 'case.json')))
    .sort();
}

function readSpec(dir: string, name: string): FixtureSpec {
  const file = join(dir, 'case.json');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`fixture '${name}': cannot read ${file}: ${(e as Error).message}`);
  }
  const parsed = fixtureSpec.safeParse(raw);
  if (!parsed.success) throw new Error(`fixture '${name}': ${file} is malformed:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** Cross-field rules zod cannot state per field: names, active adapters, unique paths, files present. */
function checkSpec(spec: FixtureSpec, dir: string, name: string): Record<string, string> {
  const fail = (why: string): never => {
    throw new Error(`fixture '${name}' (${dir}): ${why}`);
  };
  if (spec.name !== name) fail(`case.json name '${spec.name}' differs from its directory name`);
  const paths = spec.layers.map((l) => l.path);
  if (new Set(paths).size !== paths.length) fail(`duplicate layer paths in [${paths.join(', ')}]`);
  const adapterDirs: Record<string, string> = {};
  for (const a of spec.adapters) {
    const d = join(dir, a.dir);
    for (const f of ['adapter_config.json', 'adapter_model.safetensors']) {
      if (!existsSync(join(d, f))) fail(`adapter '${a.name}' lacks ${join(a.dir, f)}`);
    }
    adapterDirs[a.name] = d;
  }
  const unknown = spec.active.filter((n) => !(n in adapterDirs));
  if (unknown.length > 0) fail(`active adapters [${unknown.join(', ')}] are not among [${Object.keys(adapterDirs).join(', ')}]`);
  return adapterDirs;
}

/** Keys every layer must have, whatever the case. */
function checkTensors(spec: FixtureSpec, tensors: Map<string, tf.Tensor>, name: string): void {
  const required = spec.layers.flatMap((l) => [
    `base.${l.path}.weight`, `x.${l.path}`, `y.${l.path}`, `y_disabled.${l.path}`, `dy.${l.path}`,
    `grad.x.${l.path}`, `merged.${l.path}.weight`, `y_merged.${l.path}`, ...(l.bias ? [`base.${l.path}.bias`] : []),
  ]);
  const missing = required.filter((k) => !tensors.has(k));
  if (missing.length > 0) throw new Error(`fixture '${name}': tensors.safetensors lacks ${missing.join(', ')}`);
  for (const [k, t] of tensors) {
    if (t.dtype !== 'float32') throw new Error(`fixture '${name}': tensor '${k}' is ${t.dtype}, expected float32`);
  }
}

export function loadFixtureCase(name: string, group = 'boft', root = FIXTURE_ROOT): FixtureCase {
  const dir = join(root, group, name);
  const spec = readSpec(dir, name);
  const adapterDirs = checkSpec(spec, dir, name);
  const file = join(dir, 'tensors.safetensors');
  const tensors = tensorsFromFile(parseSafetensors(new Uint8Array(readFileSync(file)), file));
  try {
    checkTensors(spec, tensors, name);
  } catch (e) {
    for (const t of tensors.values()) t.dispose();
    throw e;
  }
  return { name, dir, spec, tensors, adapterDirs };
}

/** One fixture tensor; a missing key names the case and the key. */
export function fixtureTensor(c: FixtureCase, key: string): tf.Tensor {
  const t = c.tensors.get(key);
  if (!t) throw new Error(`fixture '${c.name}' has no tensor '${key}'`);
  return t;
}

export function disposeFixtureCase(c: FixtureCase): void {
  for (const t of c.tensors.values()) t.dispose();
  c.tensors.clear();
}
