// The butterfly rotation with every factor as one depthwise product in natural layout, for
// small layers, whose time is per-kernel overhead (~10 µs a kernel on wasm, whatever it does).
//
// Factor i's permutation never leaves a group of gs_i = b·2^i consecutive indices
// (butterfly.ts), so B_i = P_i blockdiag(Q_i) P_iᵀ is itself block diagonal with G_i = d / gs_i
// dense gs_i × gs_i blocks: B_i[r, c] = D_i[perm_i[r], perm_i[c]]. Applying those blocks
// directly needs one transpose per factor and none for the gradient of the blocks, against
// two and two in rotation.ts, at 2^i times the multiply-adds of that factor. The blocks are
// written on the host from Q (the host Cayley path), straight into the depthwise filter
// layout [1, gs, G, gs]; no d×d tensor exists.
import * as tf from '@tensorflow/tfjs';
import { butterflyPerm, invertPerm } from './butterfly';
import type { BoftGeometry } from './geometry';

/** Factor i's dense groups: G groups of gs consecutive indices. */
export interface GroupView {
  gs: number;
  G: number;
}

export function groupView(g: BoftGeometry, factor: number): GroupView {
  const gs = g.b * 2 ** factor;
  return { gs, G: g.d / gs };
}

/** Per factor: where element (j, p, q) of Q_i lands in the filter of B_i and of B_iᵀ. */
export interface GroupMaps {
  forward: Int32Array[];
  transposed: Int32Array[];
}

const cache = new Map<string, GroupMaps>();

/** Index maps from Q_i [k, b, b] (block-major) into the [1, gs, G, gs] filters of B_i and B_iᵀ. Cached per geometry. */
export function groupMaps(g: BoftGeometry): GroupMaps {
  const key = `${g.d},${g.k},${g.b},${g.m}`;
  const known = cache.get(key);
  if (known) return known;
  const maps: GroupMaps = { forward: [], transposed: [] };
  for (let i = 0; i < g.m; i++) {
    const inv = invertPerm(butterflyPerm(g, i)); // inv[s]: the natural index that P_i sends to s
    const { gs, G } = groupView(g, i);
    const fwd = new Int32Array(g.k * g.b * g.b);
    const tr = new Int32Array(fwd.length);
    let n = 0;
    for (let j = 0; j < g.k; j++) {
      for (let p = 0; p < g.b; p++) {
        for (let q = 0; q < g.b; q++, n++) {
          const r = inv[j * g.b + p];
          const c = inv[j * g.b + q];
          const grp = Math.floor(r / gs);
          fwd[n] = ((r - grp * gs) * G + grp) * gs + (c - grp * gs);
          tr[n] = ((c - grp * gs) * G + grp) * gs + (r - grp * gs);
        }
      }
    }
    maps.forward.push(fwd);
    maps.transposed.push(tr);
  }
  cache.set(key, maps);
  return maps;
}

/** Q: [m, k, b, b] values -> per factor the filter [1, gs, G, gs] of B_i (or of B_iᵀ) as values. */
export function groupFilterValues(Q: ArrayLike<number>, g: BoftGeometry, transposed: boolean): Float32Array[] {
  const maps = groupMaps(g);
  const per = g.k * g.b * g.b;
  const out: Float32Array[] = [];
  for (let i = 0; i < g.m; i++) {
    const map = (transposed ? maps.transposed : maps.forward)[i];
    const f = new Float32Array(g.d * groupView(g, i).gs);
    for (let n = 0; n < per; n++) f[map[n]] = Q[i * per + n];
    out.push(f);
  }
  return out;
}

/** Filter-layout gradients dF_i (any view of [gs, G, gs] values) -> dL/dQ: [m, k, b, b] in float64. */
export function gatherGroupGrads(dF: ArrayLike<number>[], g: BoftGeometry): Float64Array {
  const maps = groupMaps(g);
  const per = g.k * g.b * g.b;
  const G = new Float64Array(g.m * per);
  for (let i = 0; i < g.m; i++) for (let n = 0; n < per; n++) G[i * per + n] = dF[i][maps.forward[i][n]];
  return G;
}

/** h: any view of [T, d] natural -> the depthwise input [1, T, gs, G] of factor i. */
function groupInput(h: tf.Tensor, g: BoftGeometry, factor: number): tf.Tensor4D {
  const { gs, G } = groupView(g, factor);
  const T = h.size / g.d;
  return tf.reshape(tf.transpose(tf.reshape(h, [T, G, gs]), [0, 2, 1]), [1, T, gs, G]);
}

/**
 * x: [T, d], Fs[i]: B_i's filter [1, gs, G, gs] -> x·M (M = B_{m−1}···B_0) as [T, d] and each
 * factor's depthwise input (kept for the gradient). Call inside a tidy.
 */
export function groupedForward(x: tf.Tensor, Fs: tf.Tensor4D[], g: BoftGeometry): { y: tf.Tensor; u: tf.Tensor[] } {
  const u: tf.Tensor[] = new Array<tf.Tensor>(g.m);
  let h: tf.Tensor = x;
  for (let i = g.m - 1; i >= 0; i--) {
    u[i] = groupInput(h, g, i);
    h = tf.depthwiseConv2d(u[i] as tf.Tensor4D, Fs[i], 1, 'valid'); // [1, T, 1, d], natural
  }
  return { y: tf.reshape(h, [x.shape[0], g.d]), u };
}

/**
 * dy: [T, d] for x·M, u from groupedForward, FTs[i]: B_iᵀ's filter -> dx: [T, d] and each
 * factor's filter gradient dF_i: [1, 1, gs, G·gs] (the layout of Fs[i]). Forward depthwise
 * products only: wasm has no depthwise gradient kernels.
 */
export function groupedBackward(dy: tf.Tensor, u: tf.Tensor[], FTs: tf.Tensor4D[], g: BoftGeometry): { dx: tf.Tensor; dF: tf.Tensor[] } {
  const T = dy.size / g.d;
  const dF: tf.Tensor[] = [];
  let d = dy;
  for (let i = 0; i < g.m; i++) {
    const { gs, G } = groupView(g, i);
    // A filter of height T sums over tokens: out[0, 0, r, grp·gs + c] = Σ_t u[t, r, grp] d[t, grp·gs + c].
    dF.push(tf.depthwiseConv2d(u[i] as tf.Tensor4D, tf.reshape(d, [T, 1, G, gs]) as tf.Tensor4D, 1, 'valid'));
    d = tf.depthwiseConv2d(groupInput(d, g, i), FTs[i], 1, 'valid');
  }
  return { dx: tf.reshape(d, [T, g.d]), dF };
}
