// BOFT tuner layers. Each wraps the original layer as the child `base_layer` (so state names
// are `<path>.base_layer.weight`, as in PEFT) and keeps per-adapter `boft_R` [m,k,b,b] and
// `boft_s` with that adapter's own geometry (PEFT shares one permutation buffer per layer,
// which breaks adapters of different m/b on one layer; we don't).
//
// Math, with M = B_{m−1}···B_0 per adapter and active adapters a_1..a_n in setAdapter order:
//   y = base(x · M_n···M_1) · (s_1⊙…⊙s_n) with the bias added unscaled,
//   merged weight W' = (W · M_1ᵀ···M_nᵀ) ⊙ s  (W as [out, d]).
import * as tf from '@tensorflow/tfjs';
import { Layer, type ModuleInfo } from '../nn/module';
import { conv1dGpt2, linear } from '../nn/functional';
import { normal, deriveSeed } from '../nn/init';
import type { Conv1D, Linear } from '../nn/layers/linear';
import { cayley, cayleyFilters, defaultCayleyPath } from '../math/cayley';
import { rotate, rotateTransposed, toFilterLayout } from '../math/rotation';
import { scaleColumns } from '../math/scale';
import { swapLast } from '../math/transpose';
import { boftDense, type DenseLayout, type FrozenDense } from './dense-op';
import { boftDenseHost, groupedExtraWork, groupedFits } from './dense-host';
import type { HostForm } from './host-forms';
import { boftDropout, chooseDropout, seededRng, type DropoutChoice, type SeededRng } from '../math/dropout';
import { assertFactorShape, type BoftGeometry } from '../math/geometry';
import type { AdaptableType } from './geometry';
import { ParameterDict, assertAdapterName } from './param-dict';

/**
 * Where the rotation is applied; both are exact. 'activation': x·M, cost T·d·b·m in about
 * 4m + 4 memory-bound [T, d] passes. 'weight': W·Mᵀ, cost out·d·b·m, plus a third [T, out, d]
 * matMul (dW' = dyᵀx) in training. 'auto' picks 'activation' iff T ≤ out or out ≥ 100·(M + 1),
 * M = the active adapters' factor count: on wasm one [T, d] pass costs about what 25 MACs per
 * element of a matMul do, so the extra matMul (out MACs per element) loses once out exceeds
 * ~25·(4M + 4). Measured side by side at d = out = 768 on wasm (bench:core --path, 2026-11-29,
 * loaded machine): activation 1.14–1.82× the frozen base vs weight 1.53–2.56× at T = 2048,
 * 1.15–2.11× vs 1.6–3.76× at T = 256; at out = 64, T = 1024 the weight path was faster
 * (core/bench/boft-paths.ts).
 */
export type RotationPath = 'auto' | 'activation' | 'weight';
/**
 * Which one-node dense op runs over a frozen weight: 'general' (dense-op.ts), the host op
 * (dense-host.ts: Cayley inside the node; meant for cpu/wasm) in its 'host-grouped' or
 * 'host-block' form, or 'auto': the host op on the host backends, grouped while its extra
 * multiply-adds stay small, block otherwise; the general op elsewhere.
 */
export type DenseOpChoice = 'auto' | 'general' | 'host-grouped' | 'host-block';

/** Extra multiply-adds up to which 'auto' takes the grouped form: ~90 µs of wasm work, under the ~25 kernels (~250 µs) it saves per m = 2 layer. */
export const GROUPED_EXTRA_LIMIT = 2 ** 18;

export interface AdapterInit {
  geometry: BoftGeometry;
  dropout: number;
  /** true: R = 0, s = 1 (identity); false: R ~ N(0, 0.1), s ~ N(1, 0.1) from `seed`. */
  initWeights: boolean;
  seed: number;
  trainable: boolean;
}

interface AdapterState {
  geometry: BoftGeometry;
  dropout: number;
  rng: SeededRng;
}

export abstract class BOFTLayer extends Layer {
  abstract readonly kind: AdaptableType;
  readonly path: string;
  readonly boftR: ParameterDict;
  readonly boftS: ParameterDict;
  /** Active adapters in composition order (set by BOFTModel). */
  activeAdapters: string[] = [];
  /** Adapters folded into base_layer's weight, in merge order. */
  mergedAdapters: string[] = [];
  disableAdapters = false;
  rotationPath: RotationPath = 'auto';
  denseOp: DenseOpChoice = 'auto';
  private readonly states = new Map<string, AdapterState>();

  protected constructor(path: string, base: Layer) {
    super();
    this.path = path;
    this.registerModule('base_layer', base);
    this.boftR = this.registerModule('boft_R', new ParameterDict());
    this.boftS = this.registerModule('boft_s', new ParameterDict());
  }

  get baseLayer(): Layer {
    return this.child('base_layer') as Layer;
  }

  /** The rotated dimension d (in_features, or C_in/groups·kh·kw for Conv2d). */
  abstract get rotatedDim(): number;
  abstract get outFeatures(): number;
  /** boft_s shape: [out, 1] (Linear, Conv1D) or [1, out] (Conv2d). */
  abstract sShape(): [number, number];
  /** Base weight viewed as rows [out, d]. */
  protected abstract toRows(w: tf.Tensor): tf.Tensor2D;
  protected abstract fromRows(rows: tf.Tensor2D): tf.Tensor;
  /** The base op with a given weight and bias (all of the base layer's own settings). */
  protected abstract applyBase(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor | undefined): tf.Tensor;
  protected abstract readonly activationPathSupported: boolean;
  /** How a dense base stores its weight; null for a base that is not a plain matMul (Conv2d). */
  protected abstract readonly denseLayout: DenseLayout | null;

  baseWeight(): tf.Variable {
    return this.baseLayer.param('weight');
  }

  baseBias(): tf.Variable | undefined {
    return this.baseLayer.hasParam('bias') ? this.baseLayer.param('bias') : undefined;
  }

  adapterNames(): string[] {
    return [...this.states.keys()];
  }

  hasAdapter(name: string): boolean {
    return this.states.has(name);
  }

  geometry(name: string): BoftGeometry {
    return this.state(name).geometry;
  }

  /** boft_dropout of adapter `name`. */
  dropoutRate(name: string): number {
    return this.state(name).dropout;
  }

  /** uint32 state of adapter `name`'s dropout generator; a checkpoint stores it for exact resume. */
  dropoutRngState(name: string): number {
    return this.state(name).rng.getState();
  }

  setDropoutRngState(name: string, state: number): void {
    this.state(name).rng.setState(state);
  }

  private state(name: string): AdapterState {
    const s = this.states.get(name);
    if (!s) throw new Error(`BOFT layer '${this.path}' has no adapter '${name}' (has: ${this.adapterNames().join(', ') || 'none'})`);
    return s;
  }

  describe(): string {
    return `'${this.path}' (${this.kind}, d=${this.rotatedDim}, out=${this.outFeatures})`;
  }

  /** Creates boft_R/boft_s for a new adapter. */
  addAdapter(name: string, init: AdapterInit): void {
    const { m, k, b } = init.geometry;
    const R = init.initWeights ? tf.zeros([m, k, b, b]) : normal([m, k, b, b], 0, 0.1, deriveSeed(init.seed, 11));
    const s = init.initWeights ? tf.ones(this.sShape()) : normal(this.sShape(), 1, 0.1, deriveSeed(init.seed, 12));
    this.setAdapterTensors(name, R, s, init.geometry, init.dropout, init.trainable, init.seed);
  }

  /** Installs given tensors (ownership taken) after checking their shapes. */
  setAdapterTensors(name: string, R: tf.Tensor, s: tf.Tensor, g: BoftGeometry, dropout: number, trainable: boolean, seed = 0): void {
    assertAdapterName(name);
    this.checkAdapterShapes(name, R.shape, s.shape, g);
    this.boftR.set(name, R, trainable);
    this.boftS.set(name, s, trainable);
    this.states.set(name, { geometry: { ...g }, dropout, rng: seededRng(deriveSeed(seed, 13)) });
  }

  /** Throws, naming the layer, if shapes do not fit this layer. */
  checkAdapterShapes(name: string, rShape: readonly number[], sShape: readonly number[], g: BoftGeometry): void {
    if (g.d !== this.rotatedDim) {
      throw new Error(`BOFT layer ${this.describe()}, adapter '${name}': geometry d=${g.d} does not match the layer's d=${this.rotatedDim}`);
    }
    assertFactorShape(rShape, g, `BOFT layer ${this.describe()}, adapter '${name}': boft_R`);
    const want = this.sShape();
    if (sShape.length !== 2 || sShape[0] !== want[0] || sShape[1] !== want[1]) {
      throw new Error(`BOFT layer ${this.describe()}, adapter '${name}': boft_s has shape [${sShape.join(', ')}], expected [${want.join(', ')}]`);
    }
  }

  deleteAdapter(name: string): void {
    this.state(name);
    if (this.mergedAdapters.includes(name)) throw new Error(`BOFT layer '${this.path}': adapter '${name}' is merged; unmerge before deleting it`);
    this.boftR.delete(name);
    this.boftS.delete(name);
    this.states.delete(name);
    this.activeAdapters = this.activeAdapters.filter((a) => a !== name);
  }

  /** Disposes every adapter's tensors (unload); base_layer, merged or not, is kept. */
  dropAdapters(): void {
    for (const n of this.adapterNames()) {
      this.boftR.delete(n);
      this.boftS.delete(n);
    }
    this.states.clear();
    this.activeAdapters = [];
    this.mergedAdapters = [];
  }

  setTrainable(name: string, trainable: boolean): void {
    this.boftR.get(name).trainable = trainable;
    this.boftS.get(name).trainable = trainable;
  }

  /** Q: [m, k, b, b] = Cayley(boft_R); multiplicative dropout only in a training forward. */
  orthogonal(name: string, dropout = false): tf.Tensor4D {
    const st = this.state(name);
    const { m, k, b } = st.geometry;
    return tf.tidy(() => {
      const R = this.boftR.get(name).reshape([m * k, b, b]) as tf.Tensor3D;
      const Q = cayley(R).reshape([m, k, b, b]) as tf.Tensor4D;
      return dropout && this.training && st.dropout > 0 ? boftDropout(Q, st.dropout, st.rng) : Q;
    });
  }

  /** orthogonal(name, dropout) in filter layout [m, b, k, b] (see cayleyFilters), for the one-node dense op. */
  orthogonalFilters(name: string, dropout = false): tf.Tensor4D {
    const st = this.state(name);
    if (dropout && this.training && st.dropout > 0) return tf.tidy(() => toFilterLayout(this.orthogonal(name, true)));
    return cayleyFilters(this.boftR.get(name) as tf.Tensor4D);
  }

  /** Product of the adapters' boft_s as a column [out, 1]. */
  scaleColumn(names: string[]): tf.Tensor2D {
    return this.scaleProduct(names, [this.outFeatures, 1]) as tf.Tensor2D;
  }

  /** The same product in `shape`; one adapter's boft_s is only reshaped (no ones, no multiply: fewer kernels per step). */
  private scaleProduct(names: string[], shape: number[]): tf.Tensor {
    if (names.length === 0) return tf.ones(shape);
    return tf.tidy(() => names.slice(1).reduce((s, n) => tf.mul(s, this.boftS.get(n).reshape(shape)), this.boftS.get(names[0]).reshape(shape)));
  }

  /** rows: [out, d] -> (rows · M_1ᵀ···M_nᵀ) ⊙ s for names = [a_1..a_n]. */
  rotateRows(rows: tf.Tensor2D, names: string[], dropout = false): tf.Tensor2D {
    return tf.tidy(() => {
      let w = rows;
      for (const n of names) w = rotateTransposed(w, this.orthogonal(n, dropout), this.geometry(n));
      return tf.mul(w, this.scaleColumn(names));
    });
  }

  /** Inverse of rotateRows: (rows ⊘ s) · M_n···M_1. */
  unrotateRows(rows: tf.Tensor2D, names: string[]): tf.Tensor2D {
    return tf.tidy(() => {
      let w = tf.div(rows, this.scaleColumn(names)) as tf.Tensor2D;
      for (const n of [...names].reverse()) w = rotate(w, this.orthogonal(n), this.geometry(n));
      return w;
    });
  }

  /** The base weight with `names` merged in (a new tensor, base layout). */
  mergedWeight(names: string[], from: tf.Tensor = this.baseWeight(), dropout = false): tf.Tensor {
    return tf.tidy(() => this.fromRows(this.rotateRows(this.toRows(from), names, dropout)));
  }

  /** The base weight with `names` (merged in that order) taken out again. */
  unmergedWeight(names: string[], from: tf.Tensor = this.baseWeight()): tf.Tensor {
    return tf.tidy(() => this.fromRows(this.unrotateRows(this.toRows(from), names)));
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (this.disableAdapters) {
      if (this.mergedAdapters.length > 0) {
        throw new Error(`BOFT layer '${this.path}': adapters [${this.mergedAdapters.join(', ')}] are merged into its weight; unmerge() before disabling adapters`);
      }
      return this.baseLayer.forward(x);
    }
    const active = this.activeAdapters.filter((a) => this.states.has(a));
    if (this.mergedAdapters.length > 0 || active.length === 0) return this.baseLayer.forward(x);
    return tf.tidy(() => (this.useActivationPath(x) ? this.forwardActivation(x, active) : this.forwardWeight(x, active)));
  }

  private useActivationPath(x: tf.Tensor): boolean {
    if (!this.activationPathSupported) return false;
    if (this.rotationPath !== 'auto') return this.rotationPath === 'activation';
    const factors = this.activeAdapters.reduce((n, a) => n + (this.states.get(a)?.geometry.m ?? 0), 0);
    return x.size / this.rotatedDim <= this.outFeatures || this.outFeatures >= 100 * (factors + 1);
  }

  private forwardWeight(x: tf.Tensor, active: string[]): tf.Tensor {
    return this.applyBase(x, this.mergedWeight(active, this.baseWeight(), true), this.baseBias());
  }

  /** x: [..., d] -> base(x · M_n···M_1) · s + bias. */
  private forwardActivation(x: tf.Tensor, active: string[]): tf.Tensor {
    const x2 = (x.rank === 2 ? x : x.reshape([-1, this.rotatedDim])) as tf.Tensor2D;
    const s = this.scaleProduct(active, [this.outFeatures]) as tf.Tensor1D;
    const w = this.baseWeight();
    const bias = this.baseBias() as tf.Tensor1D | undefined;
    const order = [...active].reverse();
    const layout = this.denseLayout;
    // A frozen dense weight (as BOFTModel leaves it) runs as one tape node: see dense-op.ts.
    const out = layout && !w.trainable
      ? this.forwardOneNode(x2, order, { weight: w as tf.Tensor2D, layout, bias, biasTrainable: bias !== undefined && (bias as tf.Variable).trainable }, s)
      : this.forwardComposed(x2, order, s, bias);
    return x.rank === 2 ? out : out.reshape([...x.shape.slice(0, -1), this.outFeatures]);
  }

  private forwardOneNode(x2: tf.Tensor2D, order: string[], base: FrozenDense, s: tf.Tensor1D): tf.Tensor2D {
    const forms = order.map((n) => this.hostForm(x2.shape[0], this.geometry(n)));
    if (forms.every((f) => f !== null)) {
      return boftDenseHost(x2, order.map((n, i) => ({ R: this.boftR.get(n) as tf.Tensor4D, g: this.geometry(n), drop: this.dropoutChoice(n), form: forms[i] as HostForm })), base, s);
    }
    return boftDense(x2, order.map((n) => ({ F: this.orthogonalFilters(n, true), g: this.geometry(n) })), base, s);
  }

  /** How the host op runs a rotation of geometry g over T tokens, or null for the general op (device backends, or forced). */
  private hostForm(T: number, g: BoftGeometry): HostForm | null {
    switch (this.denseOp) {
      case 'general':
        return null;
      case 'host-grouped':
        return 'grouped';
      case 'host-block':
        return 'block';
      case 'auto':
        if (defaultCayleyPath() !== 'host') return null;
        return groupedFits(g) && groupedExtraWork(T, g) <= GROUPED_EXTRA_LIMIT ? 'grouped' : 'block';
      default: {
        const never: never = this.denseOp;
        throw new Error(`unknown denseOp ${String(never)}`);
      }
    }
  }

  /** This training forward's dropout draw for adapter `name` (the draws boftDropout makes), or null. */
  private dropoutChoice(name: string): DropoutChoice | null {
    const st = this.state(name);
    return this.training && st.dropout > 0 ? chooseDropout(st.geometry.m, st.geometry.k, st.dropout, st.rng) : null;
  }

  /** The same math as separate tape nodes, for a base weight that trains too. */
  private forwardComposed(x2: tf.Tensor2D, order: string[], s: tf.Tensor1D, bias: tf.Tensor1D | undefined): tf.Tensor2D {
    const xr = order.reduce((h, n) => rotate(h, this.orthogonal(n, true), this.geometry(n)), x2);
    const y = this.applyBase(xr, this.baseWeight(), undefined) as tf.Tensor2D; // [T, out]
    // scaleColumns: a broadcasting tf.mul/add and their axis-0 sums are ~10× slower on wasm;
    // with the bias it is one fused op.
    return scaleColumns(y, s, bias, bias !== undefined && !(bias as tf.Variable).trainable);
  }

  override info(path: string): ModuleInfo {
    return { ...super.info(path), type: `boft.${this.kind}`, inFeatures: this.baseLayer.info(path).inFeatures, outFeatures: this.outFeatures };
  }
}

/**
 * BOFT on a dense layer whose rows are the output features (Linear, and Conv1D read
 * transposed): rotated dim = in_features, s is [out, 1]. Subclasses say only how their
 * weight maps to rows and which base op runs.
 */
abstract class BOFTDenseLayer extends BOFTLayer {
  protected readonly activationPathSupported = true;

  constructor(path: string, base: Linear | Conv1D) {
    super(path, base);
  }

  private get base(): Linear | Conv1D {
    return this.baseLayer as Linear | Conv1D;
  }

  get rotatedDim(): number {
    return this.base.inFeatures;
  }

  get outFeatures(): number {
    return this.base.outFeatures;
  }

  sShape(): [number, number] {
    return [this.outFeatures, 1];
  }
}

/** BOFT on torch.nn.Linear: weight [out, in]. */
export class BOFTLinear extends BOFTDenseLayer {
  readonly typeName: string = 'boft.Linear';
  readonly kind = 'Linear' as const;
  protected readonly denseLayout = 'outIn' as const;

  constructor(path: string, base: Linear) {
    super(path, base);
  }

  protected toRows(w: tf.Tensor): tf.Tensor2D {
    return w as tf.Tensor2D;
  }

  protected fromRows(rows: tf.Tensor2D): tf.Tensor {
    return rows;
  }

  protected applyBase(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor | undefined): tf.Tensor {
    return linear(x, weight, bias);
  }
}

/**
 * BOFT on transformers' Conv1D (GPT-2, weight [in, out], i.e. fan_in_fan_out). PEFT refuses
 * it; the math is Linear's with W = weightᵀ, so merged weight' = (M · weight) ⊙ sᵀ.
 */
export class BOFTConv1D extends BOFTDenseLayer {
  readonly typeName: string = 'boft.Conv1D';
  readonly kind = 'Conv1D' as const;
  protected readonly denseLayout = 'inOut' as const;

  constructor(path: string, base: Conv1D) {
    super(path, base);
  }

  protected toRows(w: tf.Tensor): tf.Tensor2D {
    return swapLast(w) as tf.Tensor2D;
  }

  protected fromRows(rows: tf.Tensor2D): tf.Tensor {
    return swapLast(rows);
  }

  protected applyBase(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor | undefined): tf.Tensor {
    return conv1dGpt2(x, weight, bias);
  }
}
