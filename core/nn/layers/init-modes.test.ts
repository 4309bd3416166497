// init: 'seeded' | 'empty' on every parameterised layer, and Linear's tied weight. The
// seeded path is checked against the plain-JS generator (independent of the layer code), so
// the default stays bit-identical for callers that do not opt in.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Conv1D, Linear } from './linear';
import { Conv2d } from './conv';
import { Embedding } from './embedding';
import { deriveSeed, seededNormal, seededUniform, type InitMode } from '../init';
import type { Module } from '../module';

const BUILDERS: [string, (init?: InitMode) => Module][] = [
  ['Linear', (init) => new Linear(6, 3, { seed: 7, init })],
  ['Conv1D', (init) => new Conv1D(5, 4, { seed: 3, init })],
  ['Conv2d', (init) => new Conv2d(4, 6, [3, 2], { groups: 2, seed: 4, init })],
  ['Embedding', (init) => new Embedding(6, 4, { paddingIdx: 2, seed: 9, init })],
];

const values = (m: Module): [string, number[], number[]][] => m.namedParameters().map(([n, p]) => [n, p.shape.slice(), Array.from(p.dataSync())]);

describe.each(BUILDERS)('%s init modes', (_, build) => {
  it("'seeded' is the default, value for value", () => {
    const a = build();
    const b = build('seeded');
    expect(values(b)).toEqual(values(a));
    expect(values(a).some(([, , v]) => v.some((x) => x !== 0))).toBe(true);
    a.dispose();
    b.dispose();
  });

  it("'empty' has the same names, shapes and trainability, all zeros, and leaks nothing", () => {
    const before = tf.memory().numTensors;
    const seeded = build('seeded');
    const empty = build('empty');
    expect(values(empty).map(([n, s]) => [n, s])).toEqual(values(seeded).map(([n, s]) => [n, s]));
    expect(empty.namedParameters().map(([, p]) => p.trainable)).toEqual(seeded.namedParameters().map(([, p]) => p.trainable));
    for (const [, , v] of values(empty)) expect(v.every((x) => x === 0)).toBe(true);
    seeded.dispose();
    empty.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('seeded values against the generator', () => {
  it('Linear weight/bias are U(±1/√in) from deriveSeed(seed, 0/1); Embedding is N(0, 1) row-major', () => {
    const lin = new Linear(6, 3, { seed: 7 });
    const bound = 1 / Math.sqrt(6);
    const u = (seed: number, n: number): number[] => {
      const next = seededUniform(seed);
      return Array.from({ length: n }, () => Math.fround((2 * next() - 1) * bound));
    };
    expect(Array.from(lin.weight.dataSync())).toEqual(u(deriveSeed(7, 0), 18));
    expect(Array.from(lin.bias?.dataSync() ?? [])).toEqual(u(deriveSeed(7, 1), 3));
    const emb = new Embedding(3, 2, { seed: 5 });
    const next = seededNormal(5);
    expect(Array.from(emb.weight.dataSync())).toEqual(Array.from({ length: 6 }, () => Math.fround(next())));
    lin.dispose();
    emb.dispose();
  });
});

describe('init mode validation', () => {
  it('refuses an unknown mode naming the layer, the value and the valid modes', () => {
    const bad = { init: 'zeros' } as unknown as { init: InitMode };
    expect(() => new Linear(6, 3, bad)).toThrow(`Linear(6, 3): init="zeros" is not an init mode (valid: seeded, empty)`);
    expect(() => new Conv1D(5, 4, bad)).toThrow(/Conv1D\(nf=5, nx=4\): init="zeros" .*valid: seeded, empty/);
    expect(() => new Conv2d(2, 2, 1, bad)).toThrow(/Conv2d\(2, 2\): init="zeros"/);
    expect(() => new Embedding(4, 2, bad)).toThrow(/Embedding\(4, 2\): init="zeros"/);
  });
});

describe('Linear with a tied weight', () => {
  it('registers the given Variable itself and creates no tensor, not even a transient one', () => {
    const emb = new Embedding(50, 8, { seed: 1 });
    // Tensor ids are consecutive: the gap between two probes counts every tensor made between.
    const probe = (): number => {
      const t = tf.scalar(0);
      t.dispose();
      return t.id;
    };
    const first = probe();
    const head = new Linear(8, 50, { bias: false, tiedWeight: emb.weight });
    expect(probe() - first - 1).toBe(0);
    const control = new Linear(8, 50, { bias: false, seed: 1 });
    expect(probe() - first - 2).toBeGreaterThan(0); // the probe sees an allocating build
    expect(head.weight).toBe(emb.weight);
    expect(head.namedParameters().map(([n]) => n)).toEqual(['weight']);
    control.dispose();
    emb.dispose();
  });

  it('refuses a weight of the wrong shape, naming both', () => {
    const w = tf.variable(tf.zeros([8, 50]));
    expect(() => new Linear(8, 50, { tiedWeight: w, bias: false })).toThrow('Linear(8, 50): tiedWeight has shape [8, 50] (float32); expected [50, 8] float32');
    w.dispose();
  });
});
