// BOFT on torch.nn.Conv2d. The filter [out, C/groups, kh, kw] is viewed C-major as rows
// [out, C/groups·kh·kw] and rotated like a Linear weight (boft_s has shape [1, out]); then
// the base layer's own convolution runs with the rotated weight and ALL of its settings
// (tuple stride/padding, 'same', dilation, groups, padding modes). PEFT drops those settings;
// the reference here is "the base conv with the merged weight".
import * as tf from '@tensorflow/tfjs';
import { conv2d } from '../nn/conv';
import type { Conv2d } from '../nn/layers/conv';
import { BOFTLayer } from './layer';

/** C/groups·kh·kw, the dimension BOFT rotates for a conv. */
export function convFilterDim(base: Conv2d): number {
  const [kh, kw] = base.options.kernelSize;
  return (base.inChannels / base.options.groups) * kh * kw;
}

/** How the filter dim was formed, for error messages. */
export function convFilterDetail(base: Conv2d): string {
  const [kh, kw] = base.options.kernelSize;
  return `in_channels/groups·kh·kw = ${base.inChannels}/${base.options.groups}·${kh}·${kw} `;
}

export class BOFTConv2d extends BOFTLayer {
  readonly typeName: string = 'boft.Conv2d';
  readonly kind = 'Conv2d' as const;
  protected readonly activationPathSupported = false;
  protected readonly denseLayout = null;

  constructor(path: string, base: Conv2d) {
    super(path, base);
  }

  private get base(): Conv2d {
    return this.baseLayer as Conv2d;
  }

  get rotatedDim(): number {
    return convFilterDim(this.base);
  }

  get outFeatures(): number {
    return this.base.outChannels;
  }

  sShape(): [number, number] {
    return [1, this.outFeatures];
  }

  protected toRows(w: tf.Tensor): tf.Tensor2D {
    return w.reshape([this.outFeatures, this.rotatedDim]) as tf.Tensor2D;
  }

  protected fromRows(rows: tf.Tensor2D): tf.Tensor {
    return rows.reshape(this.baseWeight().shape);
  }

  protected applyBase(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor | undefined): tf.Tensor {
    if (x.rank !== 4) throw new Error(`BOFT layer '${this.path}' (Conv2d): input must be NCHW, got [${x.shape.join(', ')}]`);
    return conv2d(x as tf.Tensor4D, weight as tf.Tensor4D, bias as tf.Tensor1D | undefined, this.base.options);
  }
}
