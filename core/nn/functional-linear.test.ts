// linear / conv1dGpt2 with frozen (trainable = false Variable) and trainable weight and bias,
// against float64: outputs directly, gradients by central differences of the float64 reference.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { conv1dGpt2, linear } from './functional';
import { dot64, f32, finiteDiff64, linear64, rand64, relErr, transpose64, type A64 } from '../testing/ref64-nn';
import { tensorGrowth, toTensor } from './test-helpers';

// fp32 against float64, relative to the reference's scale.
const TOL = 1e-5;

type Layout = 'linear' | 'conv1d';
type BiasMode = 'absent' | 'frozen' | 'trainable';

interface Case {
  layout: Layout;
  rank: 2 | 3;
  wFrozen: boolean;
  bias: BiasMode;
}

const cases: Case[] = [];
for (const layout of ['linear', 'conv1d'] as const) {
  for (const rank of [2, 3] as const) {
    for (const wFrozen of [true, false]) {
      for (const bias of ['absent', 'frozen', 'trainable'] as const) cases.push({ layout, rank, wFrozen, bias });
    }
  }
}

/** The op under test: for conv1d, w64 is stored [in, out]. */
function ref64(layout: Layout, x: A64, w: A64, b?: A64): A64 {
  return linear64(x, layout === 'linear' ? w : transpose64(w), b);
}

function apply(layout: Layout, x: tf.Tensor, w: tf.Tensor, b?: tf.Tensor): tf.Tensor {
  return layout === 'linear' ? linear(x, w, b) : conv1dGpt2(x, w, b);
}

/** A plain tensor when trainable (so tf.grads may differentiate it), a frozen Variable otherwise. */
function holder(a: A64, frozen: boolean): tf.Tensor {
  const t = toTensor(a);
  if (!frozen) return t;
  const v = tf.variable(t, false);
  t.dispose();
  return v;
}

interface Setup {
  x: A64;
  w: A64;
  b?: A64;
  cot: A64;
}

function setup(c: Case): Setup {
  const [inF, outF] = [6, 5];
  const xShape = c.rank === 2 ? [7, inF] : [2, 3, inF];
  const w = f32(rand64(c.layout === 'linear' ? [outF, inF] : [inF, outF], 2));
  const b = c.bias === 'absent' ? undefined : f32(rand64([outF], 3));
  return { x: f32(rand64(xShape, 1)), w, b, cot: rand64([...xShape.slice(0, -1), outF], 4) };
}

/** Relative errors: [forward, dx, (dW if trainable), (db if trainable)]. */
function check(c: Case): number[] {
  const s = setup(c);
  const wantW = !c.wFrozen;
  const wantB = c.bias === 'trainable';
  const y64 = ref64(c.layout, s.x, s.w, s.b);
  const [gx, gw, gb] = finiteDiff64(([x, w, b]) => dot64(ref64(c.layout, x, w, b), s.cot), s.b ? [s.x, s.w, s.b] : [s.x, s.w]);
  const x = toTensor(s.x);
  const w = holder(s.w, c.wFrozen);
  const b = s.b ? holder(s.b, c.bias === 'frozen') : undefined;
  const g = toTensor(s.cot);
  const diffIn = [x, ...(wantW ? [w] : []), ...(wantB && b ? [b] : [])];
  const y = tf.tidy(() => apply(c.layout, x, w, b));
  const grads = tf.grads((...ts: tf.Tensor[]) => {
    const [xt, wt, bt] = [ts[0], wantW ? ts[1] : w, wantB ? ts[wantW ? 2 : 1] : b];
    return tf.sum(tf.mul(apply(c.layout, xt, wt, bt), g));
  })(diffIn);
  const refs = [gx, ...(wantW ? [gw] : []), ...(wantB ? [gb] : [])];
  const errs = [relErr(y.dataSync(), y64.data), ...grads.map((t, i) => relErr(t.dataSync(), refs[i].data))];
  expect(grads.map((t) => t.shape)).toEqual(diffIn.map((t) => t.shape));
  tf.dispose([x, w, g, y, ...grads, ...(b ? [b] : [])]);
  return errs;
}

describe('linear / conv1dGpt2: frozen and trainable weight and bias vs float64', () => {
  it.each(cases)('$layout rank $rank, weight frozen=$wFrozen, bias $bias', (c) => {
    const errs = check(c);
    expect(errs.length).toBe(2 + (c.wFrozen ? 0 : 1) + (c.bias === 'trainable' ? 1 : 0));
    errs.forEach((e) => expect(e).toBeLessThan(TOL));
  });
});

describe('frozen weight: gradients and tensor hygiene', () => {
  it('variableGrads gives the trainable bias only; the frozen weight gets none', () => {
    const w = tf.variable(tf.tensor2d([[1, 2], [3, 4], [5, 6]]), false); // [out=3, in=2]
    const b = tf.variable(tf.tensor1d([0.5, -1, 2]));
    const x = tf.tensor2d([[1, -1], [2, 0.5]]);
    const { value, grads } = tf.variableGrads(() => tf.sum(linear(x, w, b)) as tf.Scalar);
    expect(Object.keys(grads)).toEqual([b.name]);
    expect(Array.from(grads[b.name].dataSync())).toEqual([2, 2, 2]); // Σ over 2 rows of ones
    tf.dispose([w, b, x, value, ...Object.values(grads)]);
  });

  it.each(['linear', 'conv1d'] as const)('%s: numTensors stable over repeated forward/backward', (layout) => {
    const [inF, outF] = [4, 3];
    const wf = tf.variable(tf.randomNormal(layout === 'linear' ? [outF, inF] : [inF, outF], 0, 1, 'float32', 1), false);
    const wt = tf.variable(tf.randomNormal(wf.shape, 0, 1, 'float32', 2));
    const bf = tf.variable(tf.zeros([outF]), false);
    const bt = tf.variable(tf.ones([outF]));
    const x = tf.ones([2, 5, inF]);
    const step = (): void => {
      const f = (xs: tf.Tensor): tf.Tensor =>
        tf.add(tf.sum(apply(layout, xs, wf, bt)), tf.add(tf.sum(apply(layout, xs, wt, bf)), tf.sum(apply(layout, xs, wt))));
      const { value, grads } = tf.variableGrads(() => f(x) as tf.Scalar);
      const dx = tf.grad(f)(x);
      tf.dispose([value, dx, ...Object.values(grads)]);
    };
    expect(tensorGrowth(step)).toBe(0);
    tf.dispose([wf, wt, bf, bt, x]);
  });
});
