// The grouped form of the butterfly (grouped.ts): its filters hold exactly B_i = P_i D_i P_iᵀ
// (and B_iᵀ) of the float64 reference, its forward is x·M and its backward gives the same
// dx and dL/dQ as the reference (float64 finite differences of x·M, 1e-4 relative), with no
// tensor left behind.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { BoftGeometry } from './geometry';
import { gatherGroupGrads, groupedBackward, groupedForward, groupFilterValues, groupView } from './grouped';
import { butterflyPerm64, cayley64, matmul64, permMatrix64, randn64, rotationMatrixFromBlocks64, transpose64 } from './reference64';
import { ROTATION_GEOMETRIES, dot64, f32, fdGrad64, pick, relMaxErr, sampleIndices, scoped, tensorLeaks } from './test-helpers';

// The rotation tests' geometries: m = 1..4, several (k, b), b = 2, odd b and b = d.
const GEOMETRIES = ROTATION_GEOMETRIES;

/** B_i = P_i blockdiag(Q_i) P_iᵀ, dense float64 [d, d]. */
function factor64(Q: Float64Array, g: BoftGeometry, i: number): Float64Array {
  const { d, k, b } = g;
  const D = new Float64Array(d * d);
  for (let j = 0; j < k; j++) for (let p = 0; p < b; p++) for (let q = 0; q < b; q++) D[(j * b + p) * d + j * b + q] = Q[((i * k + j) * b + p) * b + q];
  const P = permMatrix64(butterflyPerm64(g, i));
  return matmul64(matmul64(P, D, d, d, d), transpose64(P, d, d), d, d, d);
}

/** A factor's filter [1, gs, G, gs] read back as the dense [d, d] matrix it applies. */
function denseFromFilter(f: Float32Array, g: BoftGeometry, i: number): Float64Array {
  const { gs, G } = groupView(g, i);
  const B = new Float64Array(g.d * g.d);
  for (let r = 0; r < gs; r++) for (let grp = 0; grp < G; grp++) for (let c = 0; c < gs; c++) B[(grp * gs + r) * g.d + grp * gs + c] = f[(r * G + grp) * gs + c];
  return B;
}

function makeQ(g: BoftGeometry, seed: number): Float64Array {
  return f32(cayley64(randn64(g.m * g.k * g.b * g.b, seed, 0.5), g.b));
}

function forward(x: Float64Array, T: number, Q: Float64Array, g: BoftGeometry): Float32Array {
  return scoped(() => {
    const Fs = groupFilterValues(Q, g, false).map((v, i) => tf.tensor4d(v, [1, groupView(g, i).gs, groupView(g, i).G, groupView(g, i).gs]));
    return groupedForward(tf.tensor2d(Float32Array.from(x), [T, g.d]), Fs, g).y.dataSync() as Float32Array;
  });
}

/** dL/dx and dL/dQ of L = Σ (x·M) ⊙ c through groupedBackward. */
function backward(x: Float64Array, T: number, Q: Float64Array, c: Float64Array, g: BoftGeometry): [Float64Array, Float64Array] {
  return scoped(() => {
    const shape = (i: number): [number, number, number, number] => [1, groupView(g, i).gs, groupView(g, i).G, groupView(g, i).gs];
    const Fs = groupFilterValues(Q, g, false).map((v, i) => tf.tensor4d(v, shape(i)));
    const FTs = groupFilterValues(Q, g, true).map((v, i) => tf.tensor4d(v, shape(i)));
    const { u } = groupedForward(tf.tensor2d(Float32Array.from(x), [T, g.d]), Fs, g);
    const { dx, dF } = groupedBackward(tf.tensor2d(Float32Array.from(c), [T, g.d]), u, FTs, g);
    return [Float64Array.from(dx.dataSync()), gatherGroupGrads(dF.map((t) => t.dataSync()), g)];
  });
}

describe.each(GEOMETRIES.map((g) => [JSON.stringify(g), g] as const))('grouped butterfly %s', (_name, g) => {
  it('each filter holds exactly B_i = P_i D_i P_iᵀ, and the transposed filter B_iᵀ', () => {
    const Q = makeQ(g, 11 + g.d);
    const fwd = groupFilterValues(Q, g, false);
    const tr = groupFilterValues(Q, g, true);
    for (let i = 0; i < g.m; i++) {
      const B = factor64(Q, g, i);
      expect(denseFromFilter(fwd[i], g, i)).toEqual(B);
      expect(denseFromFilter(tr[i], g, i)).toEqual(transpose64(B, g.d, g.d));
    }
  });

  it('forward = x·M (float64 reference, 1e-5 relative)', () => {
    const T = 5;
    const Q = makeQ(g, 21 + g.d);
    const x = f32(randn64(T * g.d, 22));
    expect(relMaxErr(forward(x, T, Q, g), matmul64(x, rotationMatrixFromBlocks64(Q, g), T, g.d, g.d))).toBeLessThan(1e-5);
  });

  it('dx and dL/dQ match float64 finite differences (1e-4 relative)', () => {
    const T = 3;
    const Q = makeQ(g, 31 + g.d);
    const x = f32(randn64(T * g.d, 32));
    const c = f32(randn64(T * g.d, 33));
    const [gx, gQ] = backward(x, T, Q, c, g);
    const loss = (xv: Float64Array, Qv: Float64Array): number => dot64(matmul64(xv, rotationMatrixFromBlocks64(Qv, g), T, g.d, g.d), c);
    expect(relMaxErr(gx, fdGrad64((v) => loss(v, Q), x))).toBeLessThan(1e-4);
    const idx = sampleIndices(Q.length, 40);
    expect(relMaxErr(pick(gQ, idx), pick(fdGrad64((v) => loss(x, v), Q, 1e-6, idx), idx))).toBeLessThan(1e-4);
  });

  it('leaves no tensor behind', () => {
    const Q = makeQ(g, 41);
    const x = f32(randn64(2 * g.d, 42));
    expect(tensorLeaks(() => backward(x, 2, Q, x, g))).toEqual([0, 0, 0]);
  });
});
