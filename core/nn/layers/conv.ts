// torch.nn.Conv2d: NCHW input, weight [out, in/groups, kh, kw], every setting of the original.
import * as tf from '@tensorflow/tfjs';
import { Layer, type ModuleInfo } from '../module';
import { conv2d, validateConv2d, type Conv2dOptions, type PaddingMode } from '../conv';
import { deriveSeed, freshSeed, initModeOf, initTensor, kaimingUniformDefault, type InitOptions } from '../init';

type Pair = number | [number, number];

export interface Conv2dLayerOptions extends InitOptions {
  stride?: Pair;
  padding?: Pair | 'same' | 'valid';
  dilation?: Pair;
  groups?: number;
  paddingMode?: PaddingMode;
  bias?: boolean;
  seed?: number;
}

function pair(v: Pair): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

/** Fills PyTorch's defaults: stride 1, padding 0, dilation 1, groups 1, padding_mode 'zeros'. */
export function conv2dOptions(kernelSize: Pair, o: Conv2dLayerOptions = {}): Conv2dOptions {
  const padding = o.padding ?? 0;
  return {
    kernelSize: pair(kernelSize),
    stride: pair(o.stride ?? 1),
    padding: padding === 'same' || padding === 'valid' ? padding : pair(padding),
    dilation: pair(o.dilation ?? 1),
    groups: o.groups ?? 1,
    paddingMode: o.paddingMode ?? 'zeros',
  };
}

const PADDING_MODES: readonly PaddingMode[] = ['zeros', 'reflect', 'replicate', 'circular'];

export class Conv2d extends Layer {
  readonly typeName: string = 'Conv2d';
  readonly inChannels: number;
  readonly outChannels: number;
  readonly options: Conv2dOptions;

  constructor(inChannels: number, outChannels: number, kernelSize: Pair, opts: Conv2dLayerOptions = {}) {
    super();
    const o = conv2dOptions(kernelSize, opts);
    if (!PADDING_MODES.includes(o.paddingMode)) {
      throw new Error(`Conv2d(${inChannels}, ${outChannels}): padding_mode='${String(o.paddingMode)}'; valid: ${PADDING_MODES.join(', ')}`);
    }
    if (!Number.isInteger(inChannels) || !Number.isInteger(outChannels) || inChannels < 1 || outChannels < 1) {
      throw new Error(`Conv2d: in_channels=${inChannels}, out_channels=${outChannels} must be positive integers`);
    }
    if (inChannels % o.groups !== 0) {
      throw new Error(`Conv2d(${inChannels}, ${outChannels}): in_channels=${inChannels} is not divisible by groups=${o.groups}`);
    }
    const wShape = [outChannels, inChannels / o.groups, o.kernelSize[0], o.kernelSize[1]];
    // Validates stride/dilation/groups/'same' against a nominal input large enough for the kernel.
    const maxPad = Array.isArray(o.padding) ? Math.max(...o.padding) : 0;
    const nominal = [1, inChannels, 1 + 2 * maxPad + o.dilation[0] * o.kernelSize[0], 1 + 2 * maxPad + o.dilation[1] * o.kernelSize[1]];
    validateConv2d(nominal, wShape, o);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.options = o;
    const mode = initModeOf(opts, `Conv2d(${inChannels}, ${outChannels})`);
    const fanIn = wShape[1] * wShape[2] * wShape[3];
    const seed = opts.seed ?? freshSeed();
    this.registerParameter('weight', initTensor(mode, wShape, () => kaimingUniformDefault(wShape, fanIn, deriveSeed(seed, 0))));
    if (opts.bias ?? true) {
      this.registerParameter('bias', initTensor(mode, [outChannels], () => kaimingUniformDefault([outChannels], fanIn, deriveSeed(seed, 1))));
    }
  }

  get weight(): tf.Variable {
    return this.param('weight');
  }

  get bias(): tf.Variable | undefined {
    return this.hasParam('bias') ? this.param('bias') : undefined;
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (x.rank !== 4) throw new Error(`Conv2d(${this.inChannels}, ${this.outChannels}): input must be NCHW, got [${x.shape}]`);
    return conv2d(x as tf.Tensor4D, this.weight as tf.Tensor4D, this.bias as tf.Tensor1D | undefined, this.options);
  }

  override info(path: string): ModuleInfo {
    return { ...super.info(path), inFeatures: this.inChannels, outFeatures: this.outChannels };
  }
}
