// The butterfly rotation applied to activations factor by factor, never as a d×d matrix.
//
// x: [T, d] stays in its natural layout; every permutation is a transpose inside a row,
// never across T (a full [T, d] transpose is ~10× slower on wasm). One factor computes
// x B_i = ((x P_i) D_i) P_iᵀ with D_i = blockdiag(Q_i). Writing a row index of factor i as
// (grp, e, a, r) over [groups, 2, 2^i, b/2], x P_i has block j = (grp, a) and in-block
// index p = (e, r). The block product is a depthwise convolution: input viewed as
// [1, T, b, k] (height T, width p, channel j) and filter F[0, p, j, q] = Q_j[p, q] give
// output channel j·b + q, i.e. (x P_i) D_i in block layout. This is the fastest exact form
// measured on wasm (XNNPACK; a batched matMul is 2–4× slower there) and it needs no gather,
// whose gradient wasm lacks. Depthwise gradients are missing on wasm too, so the backward
// is written out with forward depthwise convolutions only (see factorGrad).
import * as tf from '@tensorflow/tfjs';
import { type BoftGeometry, assertFactorShape, assertGeometry } from './geometry';
import { butterflyView } from './butterfly';
import { tidyGrad } from './tidy-grad';

/**
 * x viewed as [T, G, 2, S, H] (t, grp, e, a, r) -> (t, e, r, grp, a), as two rank-3
 * transposes: (t | grp | e a r) -> (t | e a r | grp), then (t e | a | r grp) -> (t e | r grp | a).
 * The same permutation as one rank-5 transpose, which wasm runs 2.5–4.5× slower (measured:
 * 6.6 vs 1.5 ms at T = 2048, d = 768, b = 32).
 */
function groupsInward(x: tf.Tensor, T: number, G: number, S: number, H: number): tf.Tensor {
  const a = tf.transpose(tf.reshape(x, [T, G, 2 * S * H]), [0, 2, 1]);
  return tf.transpose(tf.reshape(a, [T * 2, S, H * G]), [0, 2, 1]);
}

/** x: [T, d] natural -> [T, b, k] with p = (e, r) major and j = (grp, a) minor (factor 0: [T, b, k]; else a view of it). */
function toPMajor(x: tf.Tensor, g: BoftGeometry, factor: number): tf.Tensor {
  const T = x.size / g.d; // any view of [T, d], e.g. a depthwise output [1, T, 1, d]
  if (factor === 0) return tf.transpose(tf.reshape(x, [T, g.k, g.b]), [0, 2, 1]);
  const { groups, span, half } = butterflyView(g, factor);
  return groupsInward(x, T, groups, span, half);
}

/** y: [T, d] in block layout (j major, in-block index minor) -> natural layout. */
function blockToNatural(y: tf.Tensor, g: BoftGeometry, factor: number): tf.Tensor {
  const T = y.size / g.d; // any view of [T, d], e.g. a depthwise output [1, T, 1, d]
  if (factor === 0) return tf.reshape(y, [T, g.d]);
  const { groups, span, half } = butterflyView(g, factor);
  return tf.reshape(tf.transpose(tf.reshape(y, [T, groups, span, 2, half]), [0, 1, 3, 2, 4]), [T, g.d]);
}

/** natural [T, d] -> block layout [T, k, b] (inverse of blockToNatural). */
function naturalToBlock(y: tf.Tensor, g: BoftGeometry, factor: number): tf.Tensor {
  const T = y.size / g.d; // any view of [T, d], e.g. a depthwise output [1, T, 1, d]
  if (factor === 0) return tf.reshape(y, [T, g.k, g.b]);
  const { groups, span, half } = butterflyView(g, factor);
  return tf.reshape(tf.transpose(tf.reshape(y, [T, groups, 2, span, half]), [0, 1, 3, 2, 4]), [T, g.k, g.b]);
}

/** blocks: [k, b, b] -> the depthwise filter [1, p, j, q] = blocks[j][p, q] (the "filter layout" of one factor). */
function blocksToFilter(blocks: tf.Tensor, g: BoftGeometry): tf.Tensor4D {
  return tf.reshape(tf.transpose(blocks, [1, 0, 2]), [1, g.b, g.k, g.b]);
}

/**
 * Q: [m, k, b, b] <-> F: [m, b, k, b], F[i, p, j, q] = Q[i, j, p, q]: every factor's blocks
 * in the layout its depthwise product reads (an involution, so one function maps both ways).
 */
export function toFilterLayout(Q: tf.Tensor): tf.Tensor4D {
  return tf.transpose<tf.Tensor4D>(Q as tf.Tensor4D, [0, 2, 1, 3]);
}

/** F: [m, b, k, b] -> factor i's filter [1, b, k, b] (no copy for m = 1). */
function factorFilter(F: tf.Tensor, g: BoftGeometry, i: number): tf.Tensor4D {
  return (g.m === 1 ? F : tf.slice(F, [i, 0, 0, 0], [1, g.b, g.k, g.b])) as tf.Tensor4D;
}

/** Filters [m, p, j, q] -> the filters of the transposed blocks [m, q, j, p]. */
const transposedFilter = (f: tf.Tensor): tf.Tensor4D => tf.transpose<tf.Tensor4D>(f as tf.Tensor4D, [0, 3, 2, 1]);

/** Any view of a p-major [T, b, k] -> the depthwise input [1, T, b, k] (no kernel when it already is one). */
function depthwiseInput(u: tf.Tensor, g: BoftGeometry): tf.Tensor4D {
  return (u.rank === 4 ? u : tf.reshape(u, [1, u.size / g.d, g.b, g.k])) as tf.Tensor4D;
}

/**
 * uP: p-major [T, b, k] (or its depthwise view); filter: [1, b, k, b] -> block layout as the
 * depthwise output [1, T, 1, d], row j = u_j · blocks[j]. Left in that shape: every consumer
 * starts with a reshape of its own, and a small layer's step is mostly per-kernel overhead.
 */
function depthwiseBlocks(uP: tf.Tensor, filter: tf.Tensor4D, g: BoftGeometry): tf.Tensor {
  return tf.depthwiseConv2d(depthwiseInput(uP, g), filter, 1, 'valid');
}

/** dF_j[p, q] = Σ_t u_j[p] dy_j[q]. uP: [T, b, k] (or its depthwise view), dyBlock: [T, k, b] -> [1, b, k, b], filter layout. */
function blockOuterSum(uP: tf.Tensor, dyBlock: tf.Tensor, g: BoftGeometry): tf.Tensor {
  const T = uP.size / g.d;
  // A depthwise filter of height T sums over tokens: out[0, 0, p, j·b + q] = Σ_t u[t, p, j] dy[t, j, q].
  const out = tf.depthwiseConv2d(depthwiseInput(uP, g), tf.reshape(dyBlock, [T, 1, g.k, g.b]) as tf.Tensor4D, 1, 'valid');
  return tf.reshape(out, [1, g.b, g.k, g.b]);
}

/**
 * x: [T, d], blocks: [k, b, b] -> x P_i blockdiag(blocks) P_iᵀ: [T, d]. Differentiable
 * w.r.t. x and blocks through an explicit gradient made of forward ops only.
 */
export function applyFactor(x: tf.Tensor2D, blocks: tf.Tensor3D, g: BoftGeometry, factor: number): tf.Tensor2D {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xs, bs, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const uP = toPMajor(xs, g, factor);
    const value = blockToNatural(depthwiseBlocks(uP, blocksToFilter(bs, g), g), g, factor);
    save([uP, bs]);
    return { value, gradFunc: tidyGrad((dy: tf.Tensor, saved: tf.Tensor[]) => factorGrad(dy, saved[0], saved[1], g, factor)) };
  });
  return f(x, blocks) as tf.Tensor2D;
}

/** dy: [T, d] natural, uP: [T, b, k], blocks: [k, b, b] -> [dx: [T, d], dblocks: [k, b, b]]. */
function factorGrad(dy: tf.Tensor, uP: tf.Tensor, blocks: tf.Tensor, g: BoftGeometry, factor: number): tf.Tensor[] {
  // (x P) D = y_blk, so d(xP) = dy_blk Dᵀ: the same block product with transposed blocks,
  // fed with dy in q-major layout; its output is in block layout, which P maps back to x's.
  const dyQ = toPMajor(dy, g, factor);
  const du = depthwiseBlocks(dyQ, transposedFilter(blocksToFilter(blocks, g)), g);
  const dx = blockToNatural(du, g, factor);
  const dBlocks = tf.transpose(tf.reshape(blockOuterSum(uP, naturalToBlock(dy, g, factor), g), [g.b, g.k, g.b]), [1, 0, 2]);
  return [dx, dBlocks];
}

/** Z: [d, T] -> P_iᵀ Z (rows gathered by the inverse permutation). Transposed-layout helper. */
export function unpermuteRows(Z: tf.Tensor2D, g: BoftGeometry, factor: number): tf.Tensor2D {
  if (factor === 0) return Z;
  const { groups, span, half } = butterflyView(g, factor);
  const T = Z.shape[1];
  return tf.transpose(tf.reshape(Z, [groups, 2, span, half * T]), [0, 2, 1, 3]).reshape([g.d, T]);
}

/** Z: [d, T] -> P_i Z (rows gathered by the permutation). Transposed-layout helper. */
export function permuteRows(Z: tf.Tensor2D, g: BoftGeometry, factor: number): tf.Tensor2D {
  if (factor === 0) return Z;
  const { groups, span, half } = butterflyView(g, factor);
  const T = Z.shape[1];
  return tf.transpose(tf.reshape(Z, [groups, span, 2, half * T]), [0, 2, 1, 3]).reshape([g.d, T]);
}

function checkArgs(x: tf.Tensor2D, Q: tf.Tensor4D, g: BoftGeometry, what: string): void {
  assertGeometry(g, what);
  assertFactorShape(Q.shape, g, `${what}: Q`);
  if (x.rank !== 2 || x.shape[1] !== g.d) {
    throw new Error(`${what}: x has shape [${x.shape.join(', ')}], expected [T, ${g.d}] (d = k·b = ${g.k}·${g.b})`);
  }
}

function factorBlocks(Q: tf.Tensor4D, g: BoftGeometry, i: number): tf.Tensor3D {
  return tf.reshape(tf.slice(Q, [i, 0, 0, 0], [1, g.k, g.b, g.b]), [g.k, g.b, g.b]);
}

/**
 * z: factor i+1's block layout [T, d] -> factor i's p-major layout [T, b, k] (P_{i+1}ᵀ then
 * P_i). Both index views refine to (grp, e, aHi, aLo, r) over [groups, 2, 2, 2^i, b/2]:
 * factor i's group is (grp, e) and its chunk (e', a') is (aHi, aLo). Block layout i+1 is
 * (grp, aHi, aLo, e, r), block layout i is (grp, e, aLo, aHi, r), and p-major i is block
 * layout i transposed to (aHi, r | grp, e, aLo). For i = 0 (aLo has size 1) that is ONE
 * rank-5 permutation (run as two rank-3 transposes, see groupsInward); for i ≥ 1 it would be
 * a rank-6 one, which wasm runs ~15× slower than two rank ≤ 5 transposes, so it goes through
 * block layout i.
 */
function blockToNextPMajor(z: tf.Tensor, g: BoftGeometry, i: number): tf.Tensor {
  const T = z.size / g.d; // any view of [T, d], e.g. a depthwise output [1, T, 1, d]
  if (i > 0) return tf.transpose(blockToNextBlock(z, g, i), [0, 2, 1]);
  const { groups, half } = butterflyView(g, 1);
  return tf.reshape(groupsInward(z, T, groups, 2, half), [1, T, g.b, g.k]); // the depthwise view
}

/** Block layout i+1 (grp, aHi, aLo, e, r) <-> block layout i (grp, e, aLo, aHi, r): [T, k, b]. */
function blockToNextBlock(z: tf.Tensor, g: BoftGeometry, i: number): tf.Tensor {
  const T = z.size / g.d; // any view of [T, d], e.g. a depthwise output [1, T, 1, d]
  const { groups, half } = butterflyView(g, i + 1);
  // T and grp stay adjacent, so wasm sees a rank-5 transpose. The swap of e and aHi is an
  // involution, so the same perm maps either way.
  return tf.reshape(tf.transpose(tf.reshape(z, [T, groups, 2, 2 ** i, 2, half]), [0, 1, 4, 3, 2, 5]), [T, g.k, g.b]);
}

/**
 * x: [T, d], filterOf(i): factor i's blocks in filter layout [1, b, k, b] -> x·M: [T, d] and
 * the factors' p-major inputs uP_i [1, T, b, k]. Call inside a tidy.
 */
export function rotateBlocks(x: tf.Tensor, filterOf: (i: number) => tf.Tensor4D, g: BoftGeometry): { y: tf.Tensor; uP: tf.Tensor[] } {
  const uP: tf.Tensor[] = new Array<tf.Tensor>(g.m);
  let u = depthwiseInput(toPMajor(x, g, g.m - 1), g);
  for (let i = g.m - 1; ; i--) {
    uP[i] = u;
    const z = depthwiseBlocks(u, filterOf(i), g); // block layout of factor i
    if (i === 0) return { y: tf.reshape(z, [x.shape[0], g.d]), uP };
    u = depthwiseInput(blockToNextPMajor(z, g, i - 1), g);
  }
}

/**
 * dy: [T, d] for x·M, uP from rotateBlocks, transposedOf(i): factor i's transposed blocks
 * [1, b, k, b] (filter layout of Q_iᵀ) -> dx: [T, d] and every factor's filter gradient dF_i
 * [1, b, k, b]; forward depthwise convs only.
 */
export function rotateBlocksGrad(dy: tf.Tensor, uP: tf.Tensor[], transposedOf: (i: number) => tf.Tensor4D, g: BoftGeometry): { dx: tf.Tensor; dF: tf.Tensor[] } {
  const dF: tf.Tensor[] = [];
  let dzBlock = tf.reshape(dy, [dy.shape[0], g.k, g.b]); // factor 0's block layout is natural
  let dzQ = toPMajor(dy, g, 0);
  for (let i = 0; ; i++) {
    dF.push(blockOuterSum(uP[i], dzBlock, g));
    const du = depthwiseBlocks(dzQ, transposedOf(i), g); // block layout of factor i
    if (i === g.m - 1) return { dx: blockToNatural(du, g, i), dF };
    dzBlock = blockToNextBlock(du, g, i); // factor i+1's block layout
    dzQ = tf.transpose(dzBlock, [0, 2, 1]); // its q-major layout
  }
}

/**
 * dy: [T, d] for x·M, F: [m, b, k, b], uP from rotateFiltersKeepingInputs -> [dx: [T, d],
 * dF: [m, b, k, b]].
 */
export function rotateFiltersGrad(dy: tf.Tensor, uP: tf.Tensor[], F: tf.Tensor, g: BoftGeometry): tf.Tensor[] {
  const FT = transposedFilter(F); // every factor's transposed blocks, in one kernel
  const { dx, dF } = rotateBlocksGrad(dy, uP, (i) => factorFilter(FT, g, i), g);
  return [dx, g.m === 1 ? dF[0] : tf.concat(dF, 0)];
}

/**
 * x: [T, d], Q: [m, k, b, b] -> x @ M, M = B_{m−1}···B_0. One custom gradient for the whole
 * chain, so the permutations between factors are composed (see blockToNextPMajor) and the
 * gradient reuses factor i+1's block layout for both of its products: for m ≥ 2, 2m − 2
 * [T, d] transposes in the forward and 2m in the backward, instead of 2m − 1 and 3m − 2
 * factor by factor.
 *
 * Memory: tfjs keeps every tensor a forward creates until the whole backward is done, so the
 * forward runs in its own tidy and keeps only y and the factors' inputs uP (m [T, d] tensors,
 * which the backward needs; recomputing them instead cost up to 7% of a d = 768 layer's step
 * at m = 2), not the 2m − 1 layout copies between them.
 */
export function rotate(x: tf.Tensor2D, Q: tf.Tensor4D, g: BoftGeometry): tf.Tensor2D {
  checkArgs(x, Q, g, 'rotate');
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xs, qs, save] = args as [tf.Tensor, tf.Tensor4D, tf.GradSaveFunc];
    const F = toFilterLayout(qs);
    const { y, uP } = rotateFiltersKeepingInputs(xs, F, g);
    save([F, ...uP]);
    const gradFunc = tidyGrad((dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [dx, dF] = rotateFiltersGrad(dy, saved.slice(1), saved[0], g);
      return [dx, toFilterLayout(dF)];
    });
    return { value: y, gradFunc };
  });
  return f(x, Q) as tf.Tensor2D;
}

/**
 * x: [T, d], F: [m, b, k, b] (toFilterLayout of Q) -> x·M and the factors' p-major inputs
 * uP_i [1, T, b, k]; nothing else stays allocated. No tape. Taking the blocks in the layout the
 * depthwise products read saves a transpose per factor and direction, which is most of a
 * small layer's step (its time is per-kernel overhead).
 */
export function rotateFiltersKeepingInputs(x: tf.Tensor, F: tf.Tensor, g: BoftGeometry): { y: tf.Tensor; uP: tf.Tensor[] } {
  const [y, ...uP] = tf.tidy(() => {
    const r = rotateBlocks(x, (i) => factorFilter(F, g, i), g);
    return [r.y, ...r.uP];
  });
  return { y, uP };
}

/** x: [T, d], Q: [m, k, b, b] -> x @ Mᵀ = x B_0ᵀ···B_{m−1}ᵀ (the inverse rotation). */
export function rotateTransposed(x: tf.Tensor2D, Q: tf.Tensor4D, g: BoftGeometry): tf.Tensor2D {
  checkArgs(x, Q, g, 'rotateTransposed');
  return tf.tidy(() => {
    let y = x;
    for (let i = 0; i < g.m; i++) y = applyFactor(y, tf.transpose(factorBlocks(Q, g, i), [0, 2, 1]), g, i);
    return y;
  });
}
