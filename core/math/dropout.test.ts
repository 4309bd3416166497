import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { boftDropout, chooseDropout, seededRng } from './dropout';
import { scoped, tensorLeaks } from './test-helpers';

function countingRng(seed: number): { rng: { next(): number }; draws: () => number } {
  const inner = seededRng(seed);
  let n = 0;
  return { rng: { next: () => (n++, inner.next()) }, draws: () => n };
}

describe('seededRng', () => {
  it('is deterministic per seed and uniform in [0, 1)', () => {
    const a = seededRng(42);
    const b = seededRng(42);
    const c = seededRng(43);
    const xs = Array.from({ length: 10000 }, () => a.next());
    expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b.next()));
    expect(xs[0]).not.toBe(c.next());
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.02);
  });
});

describe('boftDropout', () => {
  const [m, k, b] = [3, 10, 2];
  const Qdata = Float32Array.from({ length: m * k * b * b }, (_, i) => 10 + i);

  it('p = 0 returns Q unchanged and draws nothing', () => {
    const { rng, draws } = countingRng(1);
    const Q = tf.tensor4d(Qdata, [m, k, b, b]);
    const out = boftDropout(Q, 0, rng);
    expect(out).not.toBe(Q);
    expect([...out.dataSync()]).toEqual([...Qdata]);
    expect(draws()).toBe(0);
    tf.dispose([Q, out]);
  });

  it('replaces exactly int(p·k) blocks of one factor by I and keeps every other block', () => {
    for (const [p, seed] of [[0.3, 1], [0.5, 2], [0.99, 3], [0.05, 4]] as const) {
      const Q = tf.tensor4d(Qdata, [m, k, b, b]);
      const choice = chooseDropout(m, k, p, seededRng(seed));
      const out = boftDropout(Q, p, seededRng(seed)).dataSync();
      const want = Math.trunc(p * k);
      let identities = 0;
      for (let f = 0; f < m; f++) {
        for (let j = 0; j < k; j++) {
          const o = (f * k + j) * b * b;
          const block = [...out.slice(o, o + b * b)];
          const dropped = f === choice.factor && choice.dropped[j] === 1;
          expect(block).toEqual(dropped ? [1, 0, 0, 1] : [...Qdata.slice(o, o + b * b)]);
          identities += dropped ? 1 : 0;
        }
      }
      expect(identities, `p=${p}`).toBe(want);
      Q.dispose();
    }
  });

  it('over many draws picks every factor and every block', () => {
    const rng = seededRng(9);
    const factors = new Set<number>();
    const blocks = new Set<number>();
    for (let t = 0; t < 200; t++) {
      const c = chooseDropout(m, k, 0.2, rng);
      factors.add(c.factor);
      c.dropped.forEach((v, j) => v && blocks.add(j));
    }
    expect(factors.size).toBe(m);
    expect(blocks.size).toBe(k);
  });

  it('passes the gradient to kept blocks and none to dropped ones', () => {
    const Q = tf.tensor4d(Qdata, [m, k, b, b]);
    const choice = chooseDropout(m, k, 0.5, seededRng(5));
    const G = Float32Array.from({ length: Qdata.length }, (_, i) => i + 1);
    const grad = scoped(() => {
      const Gt = tf.tensor4d(G, [m, k, b, b]);
      return tf.grad((q: tf.Tensor) => tf.sum(tf.mul(Gt, boftDropout(q as tf.Tensor4D, 0.5, seededRng(5)))))(Q).dataSync();
    });
    for (let f = 0; f < m; f++) {
      for (let j = 0; j < k; j++) {
        const dropped = f === choice.factor && choice.dropped[j] === 1;
        for (let e = 0; e < b * b; e++) {
          const i = (f * k + j) * b * b + e;
          expect(grad[i]).toBe(dropped ? 0 : G[i]);
        }
      }
    }
    Q.dispose();
  });

  it('rejects p outside [0, 1) and leaks nothing', () => {
    const Q = tf.tensor4d(Qdata, [m, k, b, b]);
    expect(() => boftDropout(Q, 1, seededRng(1))).toThrow(/boft_dropout=1 must be in \[0, 1\)/);
    expect(() => boftDropout(Q, -0.1, seededRng(1))).toThrow(/boft_dropout=-0.1/);
    const rng = seededRng(3);
    expect(tensorLeaks(() => boftDropout(Q, 0.4, rng).dispose())).toEqual([0, 0, 0]);
    Q.dispose();
  });
});
