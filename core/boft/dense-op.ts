// One BOFT dense layer's forward over a frozen weight as ONE node of the autograd tape:
//   out = ((x · M_1 ··· M_n) · W) ⊙ s + bias,   W = weightᵀ ('outIn', torch Linear) or weight ('inOut', Conv1D).
//
// Why one node: tfjs keeps every tensor a forward creates, and every gradient the backward
// produces, until the whole step's gradient is done (tape.ts frees neither). Composed of
// rotate / matMul / scale nodes, a layer held its rotated input, base output, output and
// four [T, ·] gradients for the whole step. Here it holds its output, the base output (ds
// needs it), the rotation factors' inputs (m [T, d] per adapter) and one gradient. Same
// products, same values.
import * as tf from '@tensorflow/tfjs';
import type { BoftGeometry } from '../math/geometry';
import { rotateFiltersGrad, rotateFiltersKeepingInputs } from '../math/rotation';
import { columnSum, scaleGrads, scaleValue } from '../math/scale';
import { tidyGrad } from '../math/tidy-grad';
import { inputGrad, rightOperand, type DenseLayout } from '../nn/functional';

export type { DenseLayout };

/** One adapter's rotation, in the order it is applied to x. */
export interface Rotation {
  /** Its blocks in filter layout [m, b, k, b] (cayleyFilters, or toFilterLayout of Q [m, k, b, b]). */
  F: tf.Tensor4D;
  g: BoftGeometry;
}

export interface FrozenDense {
  /** A weight with trainable = false: it gets no gradient. */
  weight: tf.Tensor2D;
  layout: DenseLayout;
  bias?: tf.Tensor1D;
  /** A frozen bias gets no gradient and is not an input of the node. */
  biasTrainable: boolean;
}

/** xr: [T, d] -> xr · W: [T, out]; the weight's transposed copy ('outIn') is freed at once. */
export function baseProduct(xr: tf.Tensor, base: FrozenDense): tf.Tensor {
  return tf.tidy(() => tf.matMul(xr as tf.Tensor2D, rightOperand(base.weight, base.layout)));
}

/** dy: [T, out] -> [dx, ...dF per rotation, ds, (dBias)]; uPs[i]: rotation i's factor inputs. */
function backward(dy: tf.Tensor, Fs: tf.Tensor[], uPs: tf.Tensor[][], y0: tf.Tensor, s: tf.Tensor, rots: Rotation[], base: FrozenDense): tf.Tensor[] {
  const [dy0, ds] = scaleGrads(dy, y0, s);
  let d: tf.Tensor = inputGrad(dy0 as tf.Tensor2D, base.weight, base.layout); // [T, d], gradient of the last rotation's output
  const dFs: tf.Tensor[] = new Array<tf.Tensor>(rots.length);
  for (let i = rots.length - 1; i >= 0; i--) [d, dFs[i]] = rotateFiltersGrad(d, uPs[i], Fs[i], rots[i].g);
  return [d, ...dFs, ds, ...(base.bias && base.biasTrainable ? [columnSum(dy)] : [])];
}

/** x: [T, d] -> [y0 = (x·M_1···M_n)·W: [T, out], ...every rotation's factor inputs], nothing else kept. */
function forwardKeeping(x: tf.Tensor, Fs: tf.Tensor[], rots: Rotation[], base: FrozenDense): tf.Tensor[] {
  return tf.tidy(() => {
    const kept: tf.Tensor[] = [];
    let h = x;
    rots.forEach((r, i) => {
      const { y, uP } = rotateFiltersKeepingInputs(h, Fs[i], r.g);
      kept.push(...uP);
      h = y;
    });
    return [baseProduct(h, base), ...kept];
  });
}

/** flat [Σ m_i tensors] -> per rotation [m_i tensors]. */
function splitByFactors(flat: tf.Tensor[], rots: Rotation[]): tf.Tensor[][] {
  let at = 0;
  return rots.map((r) => flat.slice(at, (at += r.g.m)));
}

/** The arguments tf.customGrad passes a one-node dense op: (x, n rotation tensors, s, [trainable bias], save). */
export interface DenseArgs {
  save: tf.GradSaveFunc;
  x: tf.Tensor;
  rots: tf.Tensor[];
  s: tf.Tensor;
  /** The trainable bias argument, or the frozen bias (not an argument), or none. */
  bias: tf.Tensor | undefined;
}

export function denseArgs(args: (tf.Tensor | tf.GradSaveFunc)[], n: number, base: FrozenDense): DenseArgs {
  const [x, ...rest] = args.slice(0, -1) as tf.Tensor[];
  const withBias = base.bias !== undefined && base.biasTrainable;
  return { save: args[args.length - 1] as tf.GradSaveFunc, x, rots: rest.slice(0, n), s: rest[n], bias: withBias ? rest[n + 1] : base.bias };
}

/**
 * x: [T, d], rots applied in order, base frozen, s: [out] -> [T, out]. Differentiable w.r.t.
 * x, every rotation's filters F, s and a trainable bias.
 */
export function boftDense(x: tf.Tensor2D, rots: Rotation[], base: FrozenDense, s: tf.Tensor1D): tf.Tensor2D {
  const n = rots.length;
  const withBias = base.bias !== undefined && base.biasTrainable;
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const { save, x: xs, rots: Fs, s: ss, bias } = denseArgs(args, n, base);
    const [y0, ...uPflat] = forwardKeeping(xs, Fs, rots, base);
    save([...Fs, y0, ss, ...uPflat]);
    const value = scaleValue(y0, ss, bias);
    const gradFunc = tidyGrad((dy: tf.Tensor, saved: tf.Tensor[]) => {
      const uPs = splitByFactors(saved.slice(n + 2), rots);
      return backward(dy, saved.slice(0, n), uPs, saved[n], saved[n + 1], rots, base);
    });
    return { value, gradFunc };
  });
  return f(x, ...rots.map((r) => r.F), s, ...(withBias && base.bias ? [base.bias] : [])) as tf.Tensor2D;
}
