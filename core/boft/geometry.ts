// Per-layer BOFT geometry: from the rotated dimension d and the config's block size/num and
// butterfly factor m, derive (k blocks, b block size) exactly as PEFT does, and reject what
// PEFT rejects — but with the layer named and the nearest valid choices computed, never adjusted.
import type { BOFTConfigFields } from './config';

/** d = k·b rotated dims; k blocks of size b; m butterfly factors. Same shape as core/math's. */
export interface LayerGeometry {
  d: number;
  k: number;
  b: number;
  m: number;
}

export type AdaptableType = 'Linear' | 'Conv1D' | 'Conv2d';

export type GeometrySpec = Pick<BOFTConfigFields, 'boft_block_size' | 'boft_block_num' | 'boft_n_butterfly_factor'>;

export type LayerValidation =
  | { ok: true; path: string; type: AdaptableType; geometry: LayerGeometry }
  | { ok: false; path: string; type: AdaptableType; message: string; validBlockSizes: number[]; validBlockNums: number[] };

/** PEFT's pair constraint on (k, b) for m factors; both specs reduce to it. */
export function isValidPair(d: number, k: number, b: number, m: number): boolean {
  if (!Number.isInteger(k) || !Number.isInteger(b) || k < 1 || b < 1 || k * b !== d) return false;
  if (m === 1) return true;
  const groups = 2 ** (m - 1);
  return k % groups === 0 && k % 2 === 0 && b % 2 === 0;
}

/** All valid block sizes for this d and m, ascending. */
export function validBlockSizes(d: number, m: number): number[] {
  const out: number[] = [];
  for (let b = 1; b <= d; b++) if (d % b === 0 && isValidPair(d, d / b, b, m)) out.push(b);
  return out;
}

/** All valid block counts for this d and m, ascending. */
export function validBlockNums(d: number, m: number): number[] {
  return validBlockSizes(d, m).map((b) => d / b).sort((x, y) => x - y);
}

/** The nearest valid values below and above `given` (one or both), ascending. */
export function nearest(valid: number[], given: number): number[] {
  const below = valid.filter((v) => v < given);
  const above = valid.filter((v) => v > given);
  const out: number[] = [];
  if (below.length > 0) out.push(below[below.length - 1]);
  if (above.length > 0) out.push(above[0]);
  return out;
}

function dimText(type: AdaptableType, d: number, convDetail?: string): string {
  return type === 'Conv2d' ? `conv filter dim ${convDetail ?? ''}= ${d}`.replace('  ', ' ') : `in_features=${d}`;
}

function failure(path: string, type: AdaptableType, d: number, spec: GeometrySpec, why: string, convDetail?: string): LayerValidation {
  const m = spec.boft_n_butterfly_factor;
  const sizes = validBlockSizes(d, m);
  const nums = validBlockNums(d, m);
  const usingNum = spec.boft_block_size === 0;
  const given = usingNum ? spec.boft_block_num : spec.boft_block_size;
  const field = usingNum ? 'boft_block_num' : 'boft_block_size';
  const pool = usingNum ? nums : sizes;
  const hint = pool.length
    ? `nearest valid ${field} for this layer with boft_n_butterfly_factor=${m}: ${nearest(pool, given).join(', ')} ` +
      `(all valid: boft_block_size in [${sizes.join(', ')}], boft_block_num in [${nums.join(', ')}])`
    : `no block size works with boft_n_butterfly_factor=${m}; largest valid m: ${largestValidM(d)}`;
  const message =
    `BOFT layer '${path}' (${type}, ${dimText(type, d, convDetail)}): ${field}=${given} with ` +
    `boft_n_butterfly_factor=${m} is invalid: ${why}; ${hint}`;
  return { ok: false, path, type, message, validBlockSizes: sizes, validBlockNums: nums };
}

function largestValidM(d: number): number {
  let m = 1;
  while (validBlockSizes(d, m + 1).length > 0) m++;
  return m;
}

/** Explains why (k, b) fails for m, in PEFT's terms. */
function whyInvalid(d: number, k: number, b: number, m: number): string {
  const groups = 2 ** (m - 1);
  if (!Number.isInteger(k) || !Number.isInteger(b) || k * b !== d) return `it does not divide ${d}`;
  if (k % groups !== 0) return `with m=${m} the block count k=${k} must be divisible by 2^(m-1)=${groups}`;
  if (k % 2 !== 0) return `with m>1 the block count k=${k} must be even`;
  return `with m>1 the block size b=${b} must be even`;
}

/**
 * Pure check used by injection and by the studio (no tensors built). `inFeatures` is the
 * rotated dimension: in_features for Linear/Conv1D, C_in/groups·kh·kw for Conv2d.
 */
export function validateLayer(path: string, type: AdaptableType, inFeatures: number, spec: GeometrySpec, convDetail?: string): LayerValidation {
  const d = inFeatures;
  const m = spec.boft_n_butterfly_factor;
  const size = spec.boft_block_size;
  const num = spec.boft_block_num;
  if ((size === 0) === (num === 0)) {
    return failure(path, type, d, spec, 'exactly one of boft_block_size and boft_block_num must be nonzero', convDetail);
  }
  const b = size !== 0 ? size : d / num;
  const k = size !== 0 ? d / size : num;
  if (!isValidPair(d, k, b, m)) return failure(path, type, d, spec, whyInvalid(d, k, b, m), convDetail);
  return { ok: true, path, type, geometry: { d, k, b, m } };
}

/** validateLayer, throwing the message on failure. */
export function layerGeometry(path: string, type: AdaptableType, inFeatures: number, spec: GeometrySpec, convDetail?: string): LayerGeometry {
  const v = validateLayer(path, type, inFeatures, spec, convDetail);
  if (!v.ok) throw new Error(v.message);
  return v.geometry;
}

/** Trainable BOFT parameters of one layer: boft_R (m·k·b·b, stored in full as PEFT does) + boft_s (out). */
export function boftParamCount(g: LayerGeometry, outFeatures: number): number {
  return g.m * g.k * g.b * g.b + outFeatures;
}
