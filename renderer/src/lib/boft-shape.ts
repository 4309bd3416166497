// Integer arithmetic of BOFT block shapes, so the editor can answer "valid here? why not?
// what would be?" while the user types. The service's validate-config stays the authority;
// these rules are PEFT 0.21's update_layer checks restated (m = boft_n_butterfly_factor).

export interface ShapeSetting {
  blockSize: number;
  blockNum: number;
  factors: number;
}

export type ShapeResult =
  | { ok: true; blockSize: number; blockNum: number; factors: number; params: number }
  | { ok: false; reason: string };

/**
 * Resolves (b, k) for a layer rotating `d` inputs with `out` outputs.
 * params = m·k·b² (boft_R, stored full) + out (boft_s).
 */
export function resolveShape(d: number, out: number, s: ShapeSetting): ShapeResult {
  const { blockSize, blockNum, factors: m } = s;
  if (!Number.isInteger(m) || m < 1) return { ok: false, reason: `boft_n_butterfly_factor must be a positive integer, got ${m}` };
  if (blockSize < 0 || blockNum < 0 || !Number.isInteger(blockSize) || !Number.isInteger(blockNum)) {
    return { ok: false, reason: `block size and count must be non-negative integers, got ${blockSize} and ${blockNum}` };
  }
  if ((blockSize === 0) === (blockNum === 0)) {
    return { ok: false, reason: `set exactly one of boft_block_size (${blockSize}) and boft_block_num (${blockNum}); the other must be 0` };
  }
  const resolved = blockSize > 0 ? fromBlockSize(d, blockSize, m) : fromBlockNum(d, blockNum, m);
  if (typeof resolved === 'string') return { ok: false, reason: resolved };
  const [b, k] = resolved;
  if (m > 1 && k % 2 !== 0) return { ok: false, reason: `with ${m} butterfly factors the block count must be even, got ${k} (= ${d}/${b})` };
  if (m > 1 && b % 2 !== 0) return { ok: false, reason: `with ${m} butterfly factors the block size must be even, got ${b}` };
  return { ok: true, blockSize: b, blockNum: k, factors: m, params: m * k * b * b + out };
}

function fromBlockSize(d: number, b: number, m: number): [number, number] | string {
  if (d % b !== 0) return `${d} inputs are not divisible by block size ${b}`;
  const span = b * 2 ** (m - 1);
  if (m > 1 && d % span !== 0) return `${m} butterfly factors of block size ${b} need ${d} inputs to be a multiple of ${span} (b·2^(m−1))`;
  return [b, d / b];
}

function fromBlockNum(d: number, k: number, m: number): [number, number] | string {
  if (d % k !== 0) return `${d} inputs are not divisible by block count ${k}`;
  if (m > 1 && m - 1 > Math.floor(Math.log2(k))) return `${m} butterfly factors need at least 2^${m - 1} = ${2 ** (m - 1)} blocks, got ${k}`;
  if (m > 1 && k % 2 ** (m - 1) !== 0) return `block count ${k} must be a multiple of 2^(m−1) = ${2 ** (m - 1)}`;
  return [d / k, k];
}

/** Block sizes valid for this layer under `factors`, ascending. */
export function validBlockSizes(d: number, factors: number): number[] {
  const sizes: number[] = [];
  for (let b = 1; b <= d; b++) {
    if (d % b === 0 && resolveShape(d, 0, { blockSize: b, blockNum: 0, factors }).ok) sizes.push(b);
  }
  return sizes;
}

/** The valid block sizes nearest to `want` in log scale (at most `n`, nearest first), to suggest as fixes. */
export function nearestValidBlockSizes(d: number, factors: number, want: number, n = 3): number[] {
  return validBlockSizes(d, factors)
    .map((b) => ({ b, dist: Math.abs(Math.log2(b) - Math.log2(Math.max(want, 1))) }))
    .sort((x, y) => x.dist - y.dist || x.b - y.b)
    .slice(0, n)
    .map((x) => x.b);
}

export interface LayerDims {
  path: string;
  d: number;
  out: number;
}

export interface BudgetOption {
  blockSize: number;
  factors: number;
  params: number;
}

/**
 * Constraint helper: every (block size, factors) pair valid for all `layers` whose total
 * trainable count fits `budget`, largest first. Block size is the shared setting, as in
 * a PEFT config with boft_block_num = 0.
 */
export function optionsWithinBudget(layers: LayerDims[], budget: number, maxFactors = 6): BudgetOption[] {
  if (layers.length === 0) return [];
  const options: BudgetOption[] = [];
  const minD = Math.min(...layers.map((l) => l.d));
  for (let m = 1; m <= maxFactors; m++) {
    for (const b of validBlockSizes(minD, m)) {
      const total = totalParams(layers, { blockSize: b, blockNum: 0, factors: m });
      if (total !== null && total <= budget) options.push({ blockSize: b, factors: m, params: total });
    }
  }
  return options.sort((x, y) => y.params - x.params || x.factors - y.factors);
}

/** Sum of BOFT params over layers, or null if the setting is invalid for any of them. */
export function totalParams(layers: LayerDims[], s: ShapeSetting): number | null {
  let total = 0;
  for (const l of layers) {
    const r = resolveShape(l.d, l.out, s);
    if (!r.ok) return null;
    total += r.params;
  }
  return total;
}

/**
 * Bytes of adapter_model.safetensors: fp32 data plus the JSON header, which names
 * `base_model.model.<path>.boft_R` and `.boft_s` with dtype, shape and offsets.
 */
export function adapterFileBytes(layers: LayerDims[], s: ShapeSetting): number | null {
  const params = totalParams(layers, s);
  if (params === null) return null;
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const l of layers) {
    const r = resolveShape(l.d, l.out, s);
    if (!r.ok) return null;
    const rLen = r.factors * r.blockNum * r.blockSize * r.blockSize * 4;
    header[`base_model.model.${l.path}.boft_R`] = { dtype: 'F32', shape: [r.factors, r.blockNum, r.blockSize, r.blockSize], data_offsets: [offset, offset + rLen] };
    offset += rLen;
    header[`base_model.model.${l.path}.boft_s`] = { dtype: 'F32', shape: [l.out, 1], data_offsets: [offset, offset + l.out * 4] };
    offset += l.out * 4;
  }
  const headerLen = new TextEncoder().encode(JSON.stringify(header)).length;
  // safetensors pads the header to a multiple of 8 bytes.
  return 8 + Math.ceil(headerLen / 8) * 8 + params * 4;
}
