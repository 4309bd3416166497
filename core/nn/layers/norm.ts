// torch.nn.LayerNorm and the LLaMA-style RMSNorm.
import * as tf from '@tensorflow/tfjs';
import { Layer, type ModuleInfo } from '../module';
import { layerNorm, rmsNorm } from '../functional';

export interface LayerNormOptions {
  eps?: number;
  elementwiseAffine?: boolean;
  /** torch ≥ 2.1: bias=False keeps the weight but drops the bias. */
  bias?: boolean;
}

function positiveDims(kind: string, shape: number[]): void {
  if (shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new Error(`${kind}: normalized shape [${shape}] must be positive integers`);
  }
}

export class LayerNorm extends Layer {
  readonly typeName: string = 'LayerNorm';
  readonly normalizedShape: number[];
  readonly eps: number;

  constructor(normalizedShape: number | number[], opts: LayerNormOptions = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape.slice();
    positiveDims('LayerNorm', this.normalizedShape);
    this.eps = opts.eps ?? 1e-5;
    if (opts.elementwiseAffine ?? true) {
      this.registerParameter('weight', tf.ones(this.normalizedShape));
      if (opts.bias ?? true) this.registerParameter('bias', tf.zeros(this.normalizedShape));
    }
  }

  forward(x: tf.Tensor): tf.Tensor {
    const w = this.hasParam('weight') ? this.param('weight') : undefined;
    const b = this.hasParam('bias') ? this.param('bias') : undefined;
    return layerNorm(x, this.normalizedShape, w, b, this.eps);
  }

  override info(path: string): ModuleInfo {
    const n = this.normalizedShape.reduce((a, b) => a * b, 1);
    return { ...super.info(path), inFeatures: n, outFeatures: n };
  }
}

/** weight · x / √(mean(x²) + eps) over the last axis, in fp32 (LlamaRMSNorm). */
export class RMSNorm extends Layer {
  readonly typeName: string = 'RMSNorm';
  readonly hiddenSize: number;
  readonly eps: number;

  constructor(hiddenSize: number, opts: { eps?: number } = {}) {
    super();
    positiveDims('RMSNorm', [hiddenSize]);
    this.hiddenSize = hiddenSize;
    this.eps = opts.eps ?? 1e-6;
    this.registerParameter('weight', tf.ones([hiddenSize]));
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (x.shape[x.rank - 1] !== this.hiddenSize) {
      throw new Error(`RMSNorm(${this.hiddenSize}): input [${x.shape}] must end with ${this.hiddenSize}`);
    }
    return rmsNorm(x, this.param('weight'), this.eps);
  }

  override info(path: string): ModuleInfo {
    return { ...super.info(path), inFeatures: this.hiddenSize, outFeatures: this.hiddenSize };
  }
}
