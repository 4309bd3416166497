import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Module } from './module';
import { Linear } from './layers/linear';
import { Conv2d } from './layers/conv';
import { ModuleDict, ModuleList, Sequential } from './layers/containers';
import { loadStateDict, stateDict } from './state';

class Block extends Module {
  readonly typeName = 'Block';
  readonly attn: ModuleDict<Linear>;
  readonly mlp: Sequential;
  constructor(seed: number) {
    super();
    this.attn = this.registerModule('attn', new ModuleDict({ query: new Linear(4, 4, { seed }), value: new Linear(4, 4, { seed: seed + 1 }) }));
    this.mlp = this.registerModule('mlp', new Sequential([new Linear(4, 8, { seed: seed + 2 }), new Linear(8, 4, { seed: seed + 3, bias: false })]));
  }
}

class Net extends Module {
  readonly typeName = 'Net';
  readonly layer: ModuleList<Block>;
  readonly head: Conv2d;
  constructor() {
    super();
    this.layer = this.registerModule('layer', new ModuleList([new Block(1), new Block(10)]));
    this.head = this.registerModule('head', new Conv2d(2, 3, [1, 2], { seed: 5 }));
  }
}

const snapshot = (m: Module): Map<string, number[]> => new Map(m.namedParameters().map(([n, p]) => [n, Array.from(p.dataSync())]));

describe('module tree names', () => {
  it('namedModules / namedParameters are PyTorch-style dotted paths', () => {
    const net = new Net();
    expect([...net.namedModules()].map(([n]) => n)).toEqual([
      '', 'layer', 'layer.0', 'layer.0.attn', 'layer.0.attn.query', 'layer.0.attn.value', 'layer.0.mlp', 'layer.0.mlp.0', 'layer.0.mlp.1',
      'layer.1', 'layer.1.attn', 'layer.1.attn.query', 'layer.1.attn.value', 'layer.1.mlp', 'layer.1.mlp.0', 'layer.1.mlp.1', 'head',
    ]);
    expect(net.namedParameters().map(([n]) => n).slice(0, 7)).toEqual([
      'layer.0.attn.query.weight', 'layer.0.attn.query.bias', 'layer.0.attn.value.weight', 'layer.0.attn.value.bias',
      'layer.0.mlp.0.weight', 'layer.0.mlp.0.bias', 'layer.0.mlp.1.weight',
    ]);
    expect(net.getSubmodule('layer.1.mlp.0')).toBe(net.layer.get(1).mlp.get(0));
    expect(net.layer.get(-1)).toBe(net.layer.get(1));
    expect(net.getSubmodule('layer.0').info('layer.0').childNames).toEqual(['attn', 'mlp']);
    net.dispose();
  });

  it('containers see a child replaced through setSubmodule', () => {
    const net = new Net();
    const replacement = new Linear(4, 8, { seed: 99 });
    const old = net.setSubmodule('layer.0.mlp.0', replacement);
    expect(net.layer.get(0).mlp.get(0)).toBe(replacement);
    expect([...net.layer][0].mlp.get(0)).toBe(replacement);
    const x = tf.ones([2, 4]);
    const y = net.layer.get(0).mlp.forward(x);
    const expected = tf.tidy(() => (net.layer.get(0).mlp.get(1) as Linear).forward(replacement.forward(x)));
    expect(Array.from(y.dataSync())).toEqual(Array.from(expected.dataSync()));
    tf.dispose([x, y, expected]);
    old.dispose();
    net.dispose();
  });
});

describe('stateDict / loadStateDict', () => {
  it('stateDict returns the parameter variables themselves', () => {
    const net = new Net();
    const sd = stateDict(net);
    expect(sd.get('head.weight')).toBe(net.head.weight);
    expect(sd.size).toBe(net.namedParameters().length);
    net.dispose();
  });

  it('loads every tensor by name and does not take ownership', () => {
    const src = new Net();
    const dst = new Net();
    const tensors = new Map([...stateDict(src)].map(([n, t]) => [n, tf.add(t, 1)]));
    const result = loadStateDict(dst, tensors);
    expect(result).toEqual({ missing: [], unexpected: [] });
    for (const [n, t] of tensors) expect(Array.from(dst.getSubmodule(n.slice(0, n.lastIndexOf('.'))).param(n.slice(n.lastIndexOf('.') + 1)).dataSync())).toEqual(Array.from(t.dataSync()));
    tf.dispose([...tensors.values()]); // the caller's tensors: disposing them leaves the model intact
    expect(dst.head.weight.isDisposed).toBe(false);
    expect(dst.head.weight.dataSync().length).toBe(12);
    src.dispose();
    dst.dispose();
  });

  it('is atomic: a wrong shape in the last tensor leaves every parameter untouched', () => {
    const net = new Net();
    const before = snapshot(net);
    const names = net.namedParameters().map(([n]) => n);
    const tensors = new Map<string, tf.Tensor>(names.map((n) => [n, tf.zerosLike(stateDict(net).get(n) as tf.Tensor)]));
    const last = names[names.length - 1];
    tensors.get(last)?.dispose();
    tensors.set(last, tf.zeros([4]));
    expect(last).toBe('head.bias');
    expect(() => loadStateDict(net, tensors)).toThrow(/nothing was loaded; 'head\.bias': expected shape \[3\], found \[4\]/);
    expect(snapshot(net)).toEqual(before);
    tensors.set('head.bias', tf.zeros([3], 'int32'));
    expect(() => loadStateDict(net, tensors)).toThrow(/'head\.bias': expected dtype float32, found int32/);
    expect(snapshot(net)).toEqual(before);
    tf.dispose([...tensors.values()]);
    net.dispose();
  });

  it('strict refuses missing/unexpected names; non-strict loads the rest and reports them', () => {
    const net = new Net();
    const before = snapshot(net);
    const tensors = new Map<string, tf.Tensor>([['head.weight', tf.ones([3, 2, 1, 2])], ['head.extra', tf.ones([1])]]);
    expect(() => loadStateDict(net, tensors)).toThrow(/missing: layer\.0\.attn\.query\.weight, .*unexpected: head\.extra/);
    expect(snapshot(net)).toEqual(before);
    const r = loadStateDict(net, tensors, { strict: false });
    expect(r.unexpected).toEqual(['head.extra']);
    expect(r.missing).toContain('head.bias');
    expect(r.missing).not.toContain('head.weight');
    expect(Array.from(net.head.weight.dataSync())).toEqual(new Array(12).fill(1));
    expect(snapshot(net).get('head.bias')).toEqual(before.get('head.bias'));
    tf.dispose([...tensors.values()]);
    net.dispose();
  });

  it('loading a model its own state dict is a no-op', () => {
    const net = new Net();
    const before = snapshot(net);
    loadStateDict(net, stateDict(net));
    loadStateDict(net, stateDict(net));
    expect(snapshot(net)).toEqual(before);
    net.dispose();
  });

  it('loading leaks no tensors and keeps trainable flags', () => {
    const net = new Net();
    net.head.weight.trainable = false;
    const t = new Map([['head.weight', tf.ones([3, 2, 1, 2])]]);
    loadStateDict(net, t, { strict: false });
    const n0 = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) loadStateDict(net, t, { strict: false });
    expect(tf.memory().numTensors).toBe(n0);
    expect(net.head.weight.trainable).toBe(false);
    tf.dispose([...t.values()]);
    net.dispose();
  });
});
