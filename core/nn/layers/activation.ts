// Parameter-free modules: activations, Dropout, and DINOv2's LayerScale (one parameter).
import * as tf from '@tensorflow/tfjs';
import { Layer, type ModuleInfo } from '../module';
import { dropout, gelu, relu, silu, tanh, type GeluApproximate } from '../functional';
import { deriveSeed, freshSeed } from '../init';

/** torch.nn.GELU: approximate 'none' (erf, transformers "gelu") or 'tanh' ("gelu_new"). */
export class GELU extends Layer {
  readonly typeName: string = 'GELU';
  constructor(readonly approximate: GeluApproximate = 'none') {
    super();
    if (approximate !== 'none' && approximate !== 'tanh') {
      throw new Error(`GELU: approximate='${String(approximate)}'; valid: 'none', 'tanh'`);
    }
  }
  forward(x: tf.Tensor): tf.Tensor {
    return gelu(x, this.approximate);
  }
}

export class SiLU extends Layer {
  readonly typeName: string = 'SiLU';
  forward(x: tf.Tensor): tf.Tensor {
    return silu(x);
  }
}

export class ReLU extends Layer {
  readonly typeName: string = 'ReLU';
  forward(x: tf.Tensor): tf.Tensor {
    return relu(x);
  }
}

export class Tanh extends Layer {
  readonly typeName: string = 'Tanh';
  forward(x: tf.Tensor): tf.Tensor {
    return tanh(x);
  }
}

/** torch.nn.Dropout: inverted dropout in training mode only; each call draws a fresh seeded mask. */
export class Dropout extends Layer {
  readonly typeName: string = 'Dropout';
  readonly p: number;
  private readonly seed: number;
  private calls = 0;

  constructor(p = 0.5, opts: { seed?: number } = {}) {
    super();
    if (!(p >= 0 && p <= 1)) throw new Error(`Dropout: p=${p} must be in [0, 1]`);
    this.p = p;
    this.seed = opts.seed ?? freshSeed();
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (!this.training || this.p === 0) return tf.clone(x);
    this.calls += 1;
    return dropout(x, this.p, true, deriveSeed(this.seed, this.calls));
  }
}

/** DINOv2's layer scale: x · lambda1, lambda1: [hidden] (transformers' parameter name). */
export class LayerScale extends Layer {
  readonly typeName: string = 'LayerScale';
  readonly hiddenSize: number;

  constructor(hiddenSize: number, initValue = 1.0) {
    super();
    if (!Number.isInteger(hiddenSize) || hiddenSize < 1) throw new Error(`LayerScale: hidden size ${hiddenSize} must be a positive integer`);
    this.hiddenSize = hiddenSize;
    this.registerParameter('lambda1', tf.fill([hiddenSize], initValue));
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (x.shape[x.rank - 1] !== this.hiddenSize) {
      throw new Error(`LayerScale(${this.hiddenSize}): input [${x.shape}] must end with ${this.hiddenSize}`);
    }
    return tf.mul(x, this.param('lambda1'));
  }

  override info(path: string): ModuleInfo {
    return { ...super.info(path), inFeatures: this.hiddenSize, outFeatures: this.hiddenSize };
  }
}

/** torch.nn.Identity: returns its input (a copy, so the caller owns the result as with any layer). */
export class Identity extends Layer {
  readonly typeName: string = 'Identity';
  forward(x: tf.Tensor): tf.Tensor {
    return tf.clone(x);
  }
}
