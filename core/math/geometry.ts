// The shape of one BOFT rotation. Every kernel in core/math takes it explicitly so a
// mismatch between stored tensors and the config is caught before any math runs.

/** d = k·b rotated dim, k blocks per factor, block size b, m butterfly factors. */
export interface BoftGeometry {
  d: number;
  k: number;
  b: number;
  m: number;
}

function isPosInt(v: number): boolean {
  return Number.isInteger(v) && v > 0;
}

/** Reasons `g` is invalid (empty when valid); mirrors the reference's constraints for m > 1. */
export function geometryProblems(g: BoftGeometry): string[] {
  const out: string[] = [];
  for (const key of ['d', 'k', 'b', 'm'] as const) {
    if (!isPosInt(g[key])) out.push(`${key}=${g[key]} must be a positive integer`);
  }
  if (out.length > 0) return out;
  if (g.k * g.b !== g.d) out.push(`k·b = ${g.k}·${g.b} = ${g.k * g.b} must equal d=${g.d}`);
  if (g.m > 1) {
    const span = 2 ** (g.m - 1);
    if (g.b % 2 !== 0) out.push(`b=${g.b} must be even when m=${g.m} > 1`);
    if (g.k % 2 !== 0) out.push(`k=${g.k} must be even when m=${g.m} > 1`);
    if (g.k % span !== 0) {
      out.push(`k=${g.k} must be divisible by 2^(m-1)=${span} (m=${g.m}); valid m here: ${validFactorCounts(g.k).join(', ')}`);
    }
  }
  return out;
}

/** The factor counts m that a block count k admits (k even for m > 1, 2^(m-1) | k). */
export function validFactorCounts(k: number): number[] {
  const ms = [1];
  for (let m = 2; k % 2 === 0 && k % 2 ** (m - 1) === 0; m++) ms.push(m);
  return ms;
}

/** Throws an Error naming `where` and every violated constraint. */
export function assertGeometry(g: BoftGeometry, where = 'BOFT geometry'): void {
  const problems = geometryProblems(g);
  if (problems.length > 0) {
    throw new Error(`${where}: invalid geometry {d:${g.d}, k:${g.k}, b:${g.b}, m:${g.m}}: ${problems.join('; ')}`);
  }
}

/** Checks that a tensor shape is [m, k, b, b] for `g`. */
export function assertFactorShape(shape: readonly number[], g: BoftGeometry, what: string): void {
  const want = [g.m, g.k, g.b, g.b];
  if (shape.length !== 4 || shape.some((s, i) => s !== want[i])) {
    throw new Error(`${what}: shape [${shape.join(', ')}] does not match geometry {d:${g.d}, k:${g.k}, b:${g.b}, m:${g.m}}; expected [${want.join(', ')}]`);
  }
}
