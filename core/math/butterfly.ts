// Butterfly permutations with the same meaning as the reference's block_butterfly_perm.
//
// For factor i ≥ 1 the d indices fall into groups of G = b·2^i; each group is cut into
// 2^(i+1) chunks of h = b/2 and the chunks are reordered even-numbered first, then odd.
// Chunk c = 2a + e (a < 2^i, e ∈ {0,1}) moves to position e·2^i + a, i.e. the group
// viewed as [2^i, 2, h] is transposed to [2, 2^i, h]. That is why every permutation here
// is a reshape + transpose and never a gather or a d×d matrix.
import { type BoftGeometry, assertGeometry } from './geometry';

/** Layout of factor i's permutation: a vector of length d viewed as [groups, 2^i, 2, h]. */
export interface ButterflyView {
  groups: number;
  span: number;
  half: number;
}

export function butterflyView(g: BoftGeometry, factor: number): ButterflyView {
  const span = 2 ** factor;
  return { groups: g.d / (g.b * span), span, half: g.b / 2 };
}

function assertFactor(g: BoftGeometry, factor: number): void {
  if (!Number.isInteger(factor) || factor < 0 || factor >= g.m) {
    throw new Error(`butterfly factor ${factor} out of range for m=${g.m}; valid: 0..${g.m - 1}`);
  }
}

/**
 * Index vector of length d for factor `factor` (0 = identity). As a matrix P, row r has
 * its 1 at column perm[r], so (P v)[r] = v[perm[r]].
 */
export function butterflyPerm(g: BoftGeometry, factor: number): Int32Array {
  assertGeometry(g, 'butterflyPerm');
  assertFactor(g, factor);
  const perm = new Int32Array(g.d);
  if (factor === 0) {
    for (let r = 0; r < g.d; r++) perm[r] = r;
    return perm;
  }
  const { groups, span, half } = butterflyView(g, factor);
  const groupSize = 2 * span * half;
  for (let grp = 0; grp < groups; grp++) {
    for (let e = 0; e < 2; e++) {
      for (let a = 0; a < span; a++) {
        const dst = grp * groupSize + (e * span + a) * half;
        const src = grp * groupSize + (2 * a + e) * half;
        for (let t = 0; t < half; t++) perm[dst + t] = src + t;
      }
    }
  }
  return perm;
}

/** inv[perm[r]] = r. */
export function invertPerm(perm: Int32Array): Int32Array {
  const inv = new Int32Array(perm.length);
  for (let r = 0; r < perm.length; r++) inv[perm[r]] = r;
  return inv;
}
