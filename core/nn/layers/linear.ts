// Dense layers: torch.nn.Linear and transformers' Conv1D (GPT-2 stores its weight [in, out]).
import * as tf from '@tensorflow/tfjs';
import { Layer, type ModuleInfo } from '../module';
import { conv1dGpt2, linear } from '../functional';
import { deriveSeed, freshSeed, initModeOf, initTensor, kaimingUniformDefault, normal, type InitOptions } from '../init';

export interface DenseOptions extends InitOptions {
  bias?: boolean;
  seed?: number;
}

export interface LinearOptions extends DenseOptions {
  /**
   * Use this Variable as the weight instead of allocating one (tied embeddings: one tensor
   * under two names). Its shape must be [out, in]; the Linear does not copy it.
   */
  tiedWeight?: tf.Variable;
}

function checkFeatures(kind: string, values: Record<string, number>): void {
  for (const [k, v] of Object.entries(values)) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${kind}: ${k}=${v} must be a positive integer`);
  }
}

function checkTied(weight: tf.Variable, shape: number[], where: string): tf.Variable {
  if (weight.isDisposed) throw new Error(`${where}: tiedWeight is disposed`);
  if (weight.dtype !== 'float32' || weight.shape.join(',') !== shape.join(',')) {
    throw new Error(`${where}: tiedWeight has shape [${weight.shape.join(', ')}] (${weight.dtype}); expected [${shape.join(', ')}] float32`);
  }
  return weight;
}

/** torch.nn.Linear: weight [out, in], bias [out], y = x Wᵀ + b, kaiming-uniform init. */
export class Linear extends Layer {
  readonly typeName: string = 'Linear';
  readonly inFeatures: number;
  readonly outFeatures: number;

  constructor(inFeatures: number, outFeatures: number, opts: LinearOptions = {}) {
    super();
    checkFeatures('Linear', { in_features: inFeatures, out_features: outFeatures });
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const where = `Linear(${inFeatures}, ${outFeatures})`;
    const mode = initModeOf(opts, where);
    const seed = opts.seed ?? freshSeed();
    const w = [outFeatures, inFeatures];
    if (opts.tiedWeight) this.registerParameter('weight', checkTied(opts.tiedWeight, w, where));
    else this.registerParameter('weight', initTensor(mode, w, () => kaimingUniformDefault(w, inFeatures, deriveSeed(seed, 0))));
    if (opts.bias ?? true) {
      this.registerParameter('bias', initTensor(mode, [outFeatures], () => kaimingUniformDefault([outFeatures], inFeatures, deriveSeed(seed, 1))));
    }
  }

  get weight(): tf.Variable {
    return this.param('weight');
  }

  get bias(): tf.Variable | undefined {
    return this.hasParam('bias') ? this.param('bias') : undefined;
  }

  forward(x: tf.Tensor): tf.Tensor {
    return linear(x, this.weight, this.bias);
  }

  override info(path: string): ModuleInfo {
    return { ...super.info(path), inFeatures: this.inFeatures, outFeatures: this.outFeatures };
  }
}

/** transformers' Conv1D (GPT-2): weight [nx=in, nf=out], bias [nf], y = x W + b; init N(0, 0.02²), bias 0. */
export class Conv1D extends Layer {
  readonly typeName: string = 'Conv1D';
  readonly inFeatures: number;
  readonly outFeatures: number;

  constructor(nf: number, nx: number, opts: DenseOptions = {}) {
    super();
    checkFeatures('Conv1D', { nf, nx });
    this.inFeatures = nx;
    this.outFeatures = nf;
    const mode = initModeOf(opts, `Conv1D(nf=${nf}, nx=${nx})`);
    const seed = opts.seed ?? freshSeed();
    this.registerParameter('weight', initTensor(mode, [nx, nf], () => normal([nx, nf], 0, 0.02, deriveSeed(seed, 0))));
    if (opts.bias ?? true) this.registerParameter('bias', tf.zeros([nf]));
  }

  get weight(): tf.Variable {
    return this.param('weight');
  }

  get bias(): tf.Variable | undefined {
    return this.hasParam('bias') ? this.param('bias') : undefined;
  }

  forward(x: tf.Tensor): tf.Tensor {
    return conv1dGpt2(x, this.weight, this.bias);
  }

  override info(path: string): ModuleInfo {
    return { ...super.info(path), inFeatures: this.inFeatures, outFeatures: this.outFeatures };
  }
}
