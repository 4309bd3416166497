import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { butterflyPerm, invertPerm } from './butterfly';
import { butterflyPerm64 } from './reference64';
import { permuteRows, unpermuteRows } from './rotation';
import type { BoftGeometry } from './geometry';
import { assertGeometry, validFactorCounts } from './geometry';

const GEOMETRIES: BoftGeometry[] = [
  { d: 16, k: 8, b: 2, m: 4 },
  { d: 16, k: 4, b: 4, m: 3 },
  { d: 24, k: 6, b: 4, m: 2 },
  { d: 32, k: 8, b: 4, m: 4 },
  { d: 48, k: 4, b: 12, m: 3 },
  { d: 64, k: 16, b: 4, m: 5 },
  { d: 9, k: 3, b: 3, m: 1 },
];

describe('butterflyPerm', () => {
  it('matches the reference example for d=16, b=2', () => {
    const g = { d: 16, k: 8, b: 2, m: 4 };
    expect([...butterflyPerm(g, 0)]).toEqual([...Array(16).keys()]);
    expect([...butterflyPerm(g, 1)].slice(0, 8)).toEqual([0, 2, 1, 3, 4, 6, 5, 7]);
    expect([...butterflyPerm(g, 2)].slice(0, 8)).toEqual([0, 2, 4, 6, 1, 3, 5, 7]);
    expect([...butterflyPerm(g, 3)]).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15]);
  });

  it('equals a literal re-derivation of block_butterfly_perm for every factor', () => {
    for (const g of GEOMETRIES) {
      for (let i = 0; i < g.m; i++) expect([...butterflyPerm(g, i)], JSON.stringify({ g, i })).toEqual([...butterflyPerm64(g, i)]);
    }
  });

  it('is a permutation and invertPerm inverts it', () => {
    const g = { d: 32, k: 8, b: 4, m: 4 };
    for (let i = 0; i < g.m; i++) {
      const p = butterflyPerm(g, i);
      expect(new Set(p).size).toBe(g.d);
      const inv = invertPerm(p);
      p.forEach((v, r) => expect(inv[v]).toBe(r));
    }
  });

  it('permuteRows / unpermuteRows gather rows by perm / inverse perm', () => {
    for (const g of GEOMETRIES) {
      const T = 3;
      const data = Float32Array.from({ length: g.d * T }, (_, i) => i);
      const Z = tf.tensor2d(data, [g.d, T]);
      for (let i = 0; i < g.m; i++) {
        const perm = butterflyPerm(g, i);
        const inv = invertPerm(perm);
        const got = tf.tidy(() => permuteRows(Z, g, i).dataSync());
        const gotInv = tf.tidy(() => unpermuteRows(Z, g, i).dataSync());
        for (let r = 0; r < g.d; r++) {
          for (let t = 0; t < T; t++) {
            expect(got[r * T + t]).toBe(data[perm[r] * T + t]);
            expect(gotInv[r * T + t]).toBe(data[inv[r] * T + t]);
          }
        }
      }
      Z.dispose();
    }
  });
});

describe('geometry validation', () => {
  it('names the values and the valid alternatives', () => {
    expect(() => assertGeometry({ d: 24, k: 6, b: 4, m: 3 }, 'layer.q')).toThrow(/layer\.q.*k=6 must be divisible by 2\^\(m-1\)=4.*valid m here: 1, 2/);
    expect(() => assertGeometry({ d: 15, k: 5, b: 3, m: 2 })).toThrow(/b=3 must be even.*k=5 must be even/);
    expect(() => assertGeometry({ d: 16, k: 3, b: 4, m: 1 })).toThrow(/k·b = 3·4 = 12 must equal d=16/);
    expect(() => butterflyPerm({ d: 16, k: 8, b: 2, m: 2 }, 2)).toThrow(/factor 2 out of range for m=2; valid: 0..1/);
    expect(validFactorCounts(12)).toEqual([1, 2, 3]);
    expect(validFactorCounts(7)).toEqual([1]);
  });
});
