// Both one-node BOFT dense ops (used when the base weight is frozen): the general one
// (dense-op.ts) and the host one for cpu/wasm (dense-host.ts) in both its forms, against
// the float64 merged-weight reference for outputs, and against the composed path (separate
// rotate / matMul / scale nodes, used when the weight trains; tested on its own in core/math)
// for the gradients of x, boft_R, boft_s and a trainable bias. Tolerance: relErr ≤ 1e-5. With
// dropout, the two ops draw the same blocks and give the same values and gradients.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Linear, Conv1D } from '../nn/layers/linear';
import { randn64 } from '../math/reference64';
import type { BoftGeometry } from '../math/geometry';
import { BOFTLinear, BOFTConv1D, type BOFTLayer, type DenseOpChoice } from './layer';
import { groupedExtraWork, groupedFits } from './dense-host';
import { dense64, f32, linear64, mergedRows64, relErr, setAdapter, values } from './test-helpers';

const TOL = 1e-5;
const d = 16;
const out = 8;
const T = 6;

function build(kind: 'Linear' | 'Conv1D', biasTrainable: boolean, op: DenseOpChoice, dropout = 0): { layer: BOFTLayer; refs: { M: Float64Array; s: Float64Array }[] } {
  const layer = kind === 'Linear' ? new BOFTLinear('h.0.q', new Linear(d, out, { seed: 3 })) : new BOFTConv1D('h.0.c_attn', new Conv1D(out, d, { seed: 3 }));
  const geoms: BoftGeometry[] = [{ d, k: 4, b: 4, m: 2 }, { d, k: 2, b: 8, m: 1 }];
  const refs = geoms.map((g, i) => {
    const name = `a${i}`;
    layer.addAdapter(name, { geometry: g, dropout, initWeights: true, seed: 10 + i, trainable: true });
    const R = randn64(g.m * g.k * g.b * g.b, 10 + i, 0.4);
    const s = randn64(out, 20 + i, 0.1).map((v) => 1 + v);
    setAdapter(layer, name, R, s);
    return { M: dense64(R, g), s: f32(s) };
  });
  layer.activeAdapters = ['a0', 'a1'];
  layer.baseWeight().trainable = false;
  (layer.baseBias() as tf.Variable).trainable = biasTrainable;
  layer.train();
  layer.rotationPath = 'activation';
  layer.denseOp = op;
  return { layer, refs };
}

/** The base weight as rows [out, d] in float64. */
function rows64(layer: BOFTLayer, kind: 'Linear' | 'Conv1D'): Float64Array {
  const w = values(layer.baseWeight());
  if (kind === 'Linear') return w;
  const r = new Float64Array(out * d);
  for (let i = 0; i < d; i++) for (let o = 0; o < out; o++) r[o * d + i] = w[i * out + o];
  return r;
}

/** Gradients of Σ y ⊙ c w.r.t. x and every trainable parameter, by name. */
function grads(layer: BOFTLayer, x: tf.Variable, c: tf.Tensor): Map<string, Float64Array> {
  const params = layer.namedParameters().filter(([, p]) => p.trainable);
  const out = new Map<string, Float64Array>();
  tf.tidy(() => {
    const { grads: g } = tf.variableGrads(() => tf.sum(tf.mul(layer.forward(x), c)) as tf.Scalar, [x, ...params.map(([, p]) => p)]);
    out.set('x', values(g[x.name]));
    for (const [n, p] of params) out.set(n, values(g[p.name]));
  });
  return out;
}

const OPS: DenseOpChoice[] = ['general', 'host-grouped', 'host-block'];

describe.each((['Linear', 'Conv1D'] as const).flatMap((k) => OPS.map((op) => [k, op] as const)))('BOFT %s over a frozen weight (one tape node, %s op)', (kind, op) => {
  it.each([true, false])('output equals the float64 merged-weight reference, gradients equal the composed path (bias trainable: %s)', (biasTrainable) => {
    const { layer, refs } = build(kind, biasTrainable, op);
    const x64 = f32(randn64(T * d, 5));
    const x = tf.variable(tf.tensor(Float32Array.from(x64), [T, d]));
    const c = tf.tensor(Float32Array.from(randn64(T * out, 6)), [T, out]);
    const y = layer.forward(x);
    const ref = linear64(x64, T, d, mergedRows64(rows64(layer, kind), out, d, refs), out, values(layer.baseBias() as tf.Tensor));
    expect(relErr(values(y), ref)).toBeLessThan(TOL);
    const fused = grads(layer, x, c);
    layer.baseWeight().trainable = true; // the composed path: same math as separate tape nodes
    const composed = grads(layer, x, c);
    expect([...fused.keys()].sort()).toEqual(['x', 'boft_R.a0', 'boft_R.a1', 'boft_s.a0', 'boft_s.a1', ...(biasTrainable ? ['base_layer.bias'] : [])].sort());
    for (const [name, g] of fused) expect(relErr(g, composed.get(name) as Float64Array), name).toBeLessThan(TOL);
    tf.dispose([x, c, y]);
    layer.dispose();
  });

  it('holds no tensor after repeated training steps (numTensors stable)', () => {
    const { layer } = build(kind, true, op);
    const x = tf.variable(tf.randomNormal([T, d], 0, 1, 'float32', 7));
    const c = tf.randomNormal([T, out], 0, 1, 'float32', 8);
    grads(layer, x, c);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) grads(layer, x, c);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, c]);
    layer.dispose();
  });
});

describe('host and general ops under dropout', () => {
  it.each((['Linear', 'Conv1D'] as const).flatMap((k) => (['host-grouped', 'host-block'] as const).map((op) => [k, op] as const)))('%s, %s: the same dropped blocks, outputs and gradients as the general op (relErr ≤ 1e-5), step after step', (kind, op) => {
    const a = build(kind, true, 'general', 0.5).layer;
    const b = build(kind, true, op, 0.5).layer;
    const x = tf.variable(tf.randomNormal([T, d], 0, 1, 'float32', 9));
    const c = tf.randomNormal([T, out], 0, 1, 'float32', 10);
    for (let step = 0; step < 3; step++) {
      const ga = grads(a, x, c);
      const gb = grads(b, x, c);
      for (const [name, g] of ga) expect(relErr(gb.get(name) as Float64Array, g), `${name}, step ${step}`).toBeLessThan(1e-5);
    }
    // Dropout did act: without it the output differs.
    const once = (): Float64Array => {
      const t = b.forward(x);
      const v = values(t);
      t.dispose();
      return v;
    };
    const y = once();
    b.eval();
    const yEval = once();
    expect(relErr(y, yEval)).toBeGreaterThan(1e-3);
    tf.dispose([x, c]);
    a.dispose();
    b.dispose();
  });
});

describe('when the layer takes the grouped form', () => {
  it('never for a factor that would be one d×d group, and not past the extra-work limit', () => {
    expect(groupedFits({ d: 16, k: 4, b: 4, m: 2 })).toBe(true); // factor 1: 2 groups of 8
    expect(groupedFits({ d: 8, k: 2, b: 4, m: 2 })).toBe(false); // factor 1 would be one 8×8 group
    expect(groupedFits({ d: 8, k: 1, b: 8, m: 1 })).toBe(true); // m = 1: the blocks themselves
    expect(groupedExtraWork(32, { d: 128, k: 16, b: 8, m: 2 })).toBe(32 * 128 * 8);
    expect(groupedExtraWork(2048, { d: 768, k: 96, b: 8, m: 1 })).toBe(0);
  });
});
