// The two ways the host dense op (dense-host.ts) runs a rotation's factors, each with the
// filter values it needs written on the host straight from Q, and the way back from the
// filter gradients to dL/dQ:
//  - 'grouped' (math/grouped.ts): factor i as dense groups of b·2^i indices in natural
//    layout; fewest kernels, 2^i times the multiply-adds. For small layers.
//  - 'block' (math/rotation.ts): factor i as its k blocks of b, between butterfly layout
//    changes; the least work. Here each factor's filter and its transpose are tensors of their
//    own, so there is no slice, filter transpose or concat on the device, as in the general op.
import * as tf from '@tensorflow/tfjs';
import type { BoftGeometry } from '../math/geometry';
import { gatherGroupGrads, groupedBackward, groupedForward, groupFilterValues, groupView } from '../math/grouped';
import { rotateBlocks, rotateBlocksGrad } from '../math/rotation';

export type HostForm = 'grouped' | 'block';

export interface HostFormOps {
  /** Q: [m, k, b, b] values -> per factor its filter (or its transposed blocks' filter) as a tensor. */
  filters(Q: Float32Array, g: BoftGeometry, transposed: boolean): tf.Tensor4D[];
  /** x: [T, d] -> x·M and what the backward keeps (call inside a tidy). */
  forward(x: tf.Tensor, Fs: tf.Tensor4D[], g: BoftGeometry): { y: tf.Tensor; kept: tf.Tensor[] };
  /** dy: [T, d] for x·M -> dx and every factor's filter gradient. */
  backward(dy: tf.Tensor, kept: tf.Tensor[], FTs: tf.Tensor4D[], g: BoftGeometry): { dx: tf.Tensor; dF: tf.Tensor[] };
  /** Filter gradients (values) -> dL/dQ: [m, k, b, b] in float64. */
  gather(dF: ArrayLike<number>[], g: BoftGeometry): Float64Array;
}

/** Q: [m, k, b, b] values -> per factor [1, b, k, b] values, F[p, j, q] = Q_i[j, p, q] (transposed: F[q, j, p] = Q_i[j, p, q]). */
export function blockFilterValues(Q: ArrayLike<number>, g: BoftGeometry, transposed: boolean): Float32Array[] {
  const { k, b } = g;
  const per = k * b * b;
  const out: Float32Array[] = [];
  for (let i = 0; i < g.m; i++) {
    const f = new Float32Array(per);
    let n = i * per;
    for (let j = 0; j < k; j++) {
      for (let p = 0; p < b; p++) {
        for (let q = 0; q < b; q++, n++) f[transposed ? (q * k + j) * b + p : (p * k + j) * b + q] = Q[n];
      }
    }
    out.push(f);
  }
  return out;
}

/** dF_i: [1, b, k, b] values (filter layout of Q_i) -> dL/dQ: [m, k, b, b] in float64. */
export function gatherBlockGrads(dF: ArrayLike<number>[], g: BoftGeometry): Float64Array {
  const { k, b } = g;
  const G = new Float64Array(g.m * k * b * b);
  let n = 0;
  for (let i = 0; i < g.m; i++) {
    const d = dF[i];
    for (let j = 0; j < k; j++) for (let p = 0; p < b; p++) for (let q = 0; q < b; q++) G[n++] = d[(p * k + j) * b + q];
  }
  return G;
}

const grouped: HostFormOps = {
  filters: (Q, g, transposed) => groupFilterValues(Q, g, transposed).map((v, i) => {
    const { gs, G } = groupView(g, i);
    return tf.tensor4d(v, [1, gs, G, gs]);
  }),
  forward: (x, Fs, g) => {
    const { y, u } = groupedForward(x, Fs, g);
    return { y, kept: u };
  },
  backward: (dy, kept, FTs, g) => groupedBackward(dy, kept, FTs, g),
  gather: gatherGroupGrads,
};

const block: HostFormOps = {
  filters: (Q, g, transposed) => blockFilterValues(Q, g, transposed).map((v) => tf.tensor4d(v, [1, g.b, g.k, g.b])),
  forward: (x, Fs, g) => {
    const { y, uP } = rotateBlocks(x, (i) => Fs[i], g);
    return { y, kept: uP };
  },
  backward: (dy, kept, FTs, g) => rotateBlocksGrad(dy, kept, (i) => FTs[i], g),
  gather: gatherBlockGrads,
};

export const HOST_FORMS: Record<HostForm, HostFormOps> = { grouped, block };
