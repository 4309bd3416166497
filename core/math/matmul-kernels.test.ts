import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { flagFreeBatchMatMulGrad, matMulGradA, matMulGradB, registerMatMulKernels } from './matmul-kernels';
import { matmul64, randn64, transpose64 } from './reference64';
import { f32, relMaxErr, scoped, t64, tensorLeaks } from './test-helpers';

interface Case {
  name: string;
  batchA: number; // 0 = rank 2
  batchB: number;
  n: number;
  p: number;
  q: number;
}

const CASES: Case[] = [
  { name: '2-D', batchA: 0, batchB: 0, n: 3, p: 4, q: 5 },
  { name: 'batched', batchA: 2, batchB: 2, n: 3, p: 4, q: 2 },
  { name: 'rank 3 @ rank 2 (broadcast b)', batchA: 3, batchB: 0, n: 2, p: 4, q: 5 },
];
const FLAGS = [[false, false], [false, true], [true, false], [true, true]] as const;

/** Float64 dA, dB of sum(G ⊙ op(a) @ op(b)), batch by batch; b may be shared across batches. */
function analytic64(c: Case, a: Float64Array, b: Float64Array, G: Float64Array, tA: boolean, tB: boolean): [Float64Array, Float64Array] {
  const batches = Math.max(c.batchA, 1);
  const { n, p, q } = c;
  const da = new Float64Array(a.length);
  const db = new Float64Array(b.length);
  for (let i = 0; i < batches; i++) {
    const ai = a.slice(i * n * p, (i + 1) * n * p);
    const bOff = c.batchB > 0 ? i * p * q : 0;
    const bi = b.slice(bOff, bOff + p * q);
    const opA = tA ? transpose64(ai, p, n) : ai; // stored [p, n] when transposed
    const opB = tB ? transpose64(bi, q, p) : bi;
    const Gi = G.slice(i * n * q, (i + 1) * n * q);
    const dOpA = matmul64(Gi, transpose64(opB, p, q), n, q, p); // [n, p]
    const dOpB = matmul64(transpose64(opA, n, p), Gi, p, n, q); // [p, q]
    da.set(tA ? transpose64(dOpA, n, p) : dOpA, i * n * p);
    const dbi = tB ? transpose64(dOpB, p, q) : dOpB;
    for (let j = 0; j < p * q; j++) db[bOff + j] += dbi[j];
  }
  return [da, db];
}

function shapes(c: Case, tA: boolean, tB: boolean): { sa: number[]; sb: number[]; sy: number[] } {
  const lead = (bt: number): number[] => (bt > 0 ? [bt] : []);
  return {
    sa: [...lead(c.batchA), ...(tA ? [c.p, c.n] : [c.n, c.p])],
    sb: [...lead(c.batchB), ...(tB ? [c.q, c.p] : [c.p, c.q])],
    sy: [...lead(Math.max(c.batchA, c.batchB)), c.n, c.q],
  };
}

describe.each(CASES)('matMul gradients, $name', (c) => {
  it.each(FLAGS)('transposeA=%s transposeB=%s: tf.grads and the flag-free formula match float64 (1e-6 rel)', (tA, tB) => {
    const { sa, sb, sy } = shapes(c, tA, tB);
    const size = (s: number[]): number => s.reduce((x, y) => x * y, 1);
    const a = f32(randn64(size(sa), 1));
    const b = f32(randn64(size(sb), 2));
    const G = f32(randn64(size(sy), 3));
    const [ra, rb] = analytic64(c, a, b, G, tA, tB);
    const [ga, gb, fa, fb] = scoped(() => {
      const at = tf.tensor(Float32Array.from(a), sa);
      const bt = tf.tensor(Float32Array.from(b), sb);
      const Gt = tf.tensor(Float32Array.from(G), sy);
      const attrs = { transposeA: tA, transposeB: tB };
      const direct = [matMulGradA(Gt, at, bt, attrs), matMulGradB(Gt, at, bt, attrs)].map(t64);
      // The stock gradient (cpu) cannot reduce a broadcast batch (tfjs throws on the shape);
      // ours can, so on cpu the broadcast case checks only the formula.
      if (c.batchA !== c.batchB && tf.getGradient('BatchMatMul') !== flagFreeBatchMatMulGrad) return [...direct, ...direct];
      const viaTape = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(Gt, tf.matMul(x, y, tA, tB))))([at, bt]).map(t64);
      return [...viaTape, ...direct];
    });
    for (const [got, ref] of [[ga, ra], [gb, rb], [fa, ra], [fb, rb]]) expect(relMaxErr(got, ref)).toBeLessThan(1e-6);
  });
});

describe('registerMatMulKernels', () => {
  it('replaces the gradient on wasm only, idempotently', () => {
    const backend = tf.getBackend();
    const before = tf.getGradient('BatchMatMul');
    registerMatMulKernels(backend);
    registerMatMulKernels(backend);
    if (backend === 'wasm') expect(tf.getGradient('BatchMatMul')).toBe(flagFreeBatchMatMulGrad);
    else expect(tf.getGradient('BatchMatMul')).toBe(before);
    expect(before === flagFreeBatchMatMulGrad).toBe(backend === 'wasm'); // initBackend already ran it
  });

  it('leaks no tensors across repeated steps', () => {
    const a = tf.randomNormal([4, 3]);
    const b = tf.randomNormal([3, 5]);
    const step = (): void => {
      tf.tidy(() => tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.matMul(x, y)))([a, b]).forEach((t) => t.dataSync()));
    };
    expect(tensorLeaks(step)).toEqual([0, 0, 0]);
    tf.dispose([a, b]);
  });
});
