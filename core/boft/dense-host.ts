// The one-node BOFT dense op (dense-op.ts) for the host backends (cpu, wasm): the Cayley map
// runs inside the node, on the host, and writes every factor's filter (and, for the backward,
// its transpose) as a tensor of its own. Against the general op (an m = 2 layer: 70 kernels)
// this drops the Cayley node, the per-factor filter slices, their gradient's concat and the
// filter transpose. Each rotation runs in one of two forms (host-forms.ts): small layers
// 'grouped' (one depthwise product per factor in natural layout, half the permutation
// transposes), the rest 'block' (the general op's products and layouts). Same products, same
// values: tested against the float64 reference and the general op.
import * as tf from '@tensorflow/tfjs';
import { cayleyGradHostValues, invertIPlusSHost, qFromInverse } from '../math/cayley';
import type { DropoutChoice } from '../math/dropout';
import type { BoftGeometry } from '../math/geometry';
import { columnSum, scaleGrads, scaleValue } from '../math/scale';
import { tidyGrad } from '../math/tidy-grad';
import { inputGrad } from '../nn/functional';
import { baseProduct, denseArgs, type FrozenDense } from './dense-op';
import { HOST_FORMS, type HostForm } from './host-forms';

/** One adapter's rotation, in the order it is applied to x: its raw boft_R and this forward's dropout, if any. */
export interface HostRotation {
  R: tf.Tensor4D;
  g: BoftGeometry;
  drop: DropoutChoice | null;
  /** How its factors run (host-forms.ts). */
  form: HostForm;
}

/** What the backward needs of one rotation, kept on the host. */
interface HostBlocks {
  X: Float64Array; // (I + S)^-1 per block, float64 [m·k, b, b]
  Q: Float32Array; // the blocks the forward used (dropped ones = I)
}

/** The multiply-adds the grouped form adds over the block form: Σ_i (2^i − 1)·T·d·b. */
export function groupedExtraWork(T: number, g: BoftGeometry): number {
  return T * g.d * g.b * (2 ** g.m - 1 - g.m);
}

/**
 * Whether every factor i ≥ 1 keeps at least two groups (k ≥ 2^m), so that no filter is a
 * d×d matrix: factor i's filter holds d·b·2^i values, at most d²/2 here.
 */
export function groupedFits(g: BoftGeometry): boolean {
  return g.m === 1 || g.k >= 2 ** g.m;
}

/** R values -> Q with the dropped blocks (one factor's) replaced by the identity, as the reference's dropout does. */
function hostBlocks(R: tf.Tensor, g: BoftGeometry, drop: DropoutChoice | null): HostBlocks {
  const X = invertIPlusSHost(R.dataSync(), g.m * g.k, g.b);
  const Q = qFromInverse(X, g.b);
  forDropped(g, drop, (o) => {
    for (let p = 0; p < g.b; p++) for (let q = 0; q < g.b; q++) Q[o + p * g.b + q] = p === q ? 1 : 0;
  });
  return { X, Q };
}

/** Calls f with the offset of every dropped block in [m, k, b, b]. */
function forDropped(g: BoftGeometry, drop: DropoutChoice | null, f: (offset: number) => void): void {
  if (!drop) return;
  for (let j = 0; j < g.k; j++) if (drop.dropped[j]) f(((drop.factor * g.k) + j) * g.b * g.b);
}

/** dF per factor (device) -> dL/dR: [m, k, b, b], with no gradient through dropped blocks. */
function rotationGrad(dF: tf.Tensor[], rot: HostRotation, kept: HostBlocks): tf.Tensor {
  const { g } = rot;
  const G = HOST_FORMS[rot.form].gather(dF.map((t) => t.dataSync()), g);
  forDropped(g, rot.drop, (o) => G.fill(0, o, o + g.b * g.b));
  return tf.tensor(cayleyGradHostValues(G, kept.X, g.m * g.k, g.b), rot.R.shape);
}

/**
 * x: [T, d], rots applied in order, base frozen, s: [out] -> [T, out], as boftDense. Differentiable
 * w.r.t. x, every rotation's boft_R, s and a trainable bias.
 */
export function boftDenseHost(x: tf.Tensor2D, rots: HostRotation[], base: FrozenDense, s: tf.Tensor1D): tf.Tensor2D {
  const n = rots.length;
  const withBias = base.bias !== undefined && base.biasTrainable;
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const { save, x: xs, rots: Rs, s: ss, bias } = denseArgs(args, n, base);
    const kept = rots.map((r, i) => hostBlocks(Rs[i], r.g, r.drop));
    const [y0, ...u] = tf.tidy(() => {
      const us: tf.Tensor[] = [];
      let h: tf.Tensor = xs;
      rots.forEach((r, i) => {
        const form = HOST_FORMS[r.form];
        const step = form.forward(h, form.filters(kept[i].Q, r.g, false), r.g);
        us.push(...step.kept);
        h = step.y;
      });
      return [baseProduct(h, base), ...us];
    });
    save([y0, ss, ...u]);
    const value = scaleValue(y0, ss, bias);
    const gradFunc = tidyGrad((dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [dy0, ds] = scaleGrads(dy, saved[0], saved[1]);
      let d: tf.Tensor = inputGrad(dy0 as tf.Tensor2D, base.weight, base.layout);
      const dR: tf.Tensor[] = new Array<tf.Tensor>(n);
      let at = saved.length;
      for (let i = n - 1; i >= 0; i--) {
        const r = rots[i];
        at -= r.g.m;
        const form = HOST_FORMS[r.form];
        const step = form.backward(d, saved.slice(at, at + r.g.m), form.filters(kept[i].Q, r.g, true), r.g);
        dR[i] = rotationGrad(step.dF, r, kept[i]);
        d = step.dx;
      }
      return [d, ...dR, ds, ...(withBias ? [columnSum(dy)] : [])];
    });
    return { value, gradFunc };
  });
  return f(x, ...rots.map((r) => r.R), s, ...(withBias && base.bias ? [base.bias] : [])) as tf.Tensor2D;
}
