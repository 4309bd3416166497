// ViT (transformers' ViTForImageClassification). Module names are the checkpoint-file names,
// e.g. vit.encoder.layer.0.attention.attention.query.weight.
import * as tf from '@tensorflow/tfjs';
import { Module } from '../nn/module';
import { Conv2d, LayerNorm, Linear, ModuleList, gelu, initModeOf, type GeluApproximate, type InitMode, type InitOptions } from '../nn';
import { ConfigReader, problemType, type ProblemType, type RawConfig } from './config';
import { eagerAttention, mergeHeads, splitHeads } from './common';
import { callAt, container } from './tree';
import { classificationLoss } from './losses';
import { PretrainedModel, type InputName, type ModelInputs, type ModelOutput } from './types';

/** The encoder hyper-parameters ViT and DINOv2 share. */
export interface VisionDims {
  hidden: number;
  heads: number;
  layers: number;
  imageSize: number;
  patchSize: number;
  channels: number;
  eps: number;
  act: GeluApproximate;
  qkvBias: boolean;
  /** MLP width: intermediate_size (ViT) or hidden_size · mlp_ratio (DINOv2). */
  intermediate: number;
}

export function readVisionDims(c: ConfigReader, epsDefault: number, intermediate: (hidden: number) => number): VisionDims {
  const dims: VisionDims = {
    hidden: c.int('hidden_size'),
    heads: c.int('num_attention_heads'),
    layers: c.int('num_hidden_layers'),
    imageSize: c.int('image_size'),
    patchSize: c.int('patch_size'),
    channels: c.int('num_channels', 3),
    eps: c.num('layer_norm_eps', epsDefault),
    act: geluKind(c),
    qkvBias: c.bool('qkv_bias', true),
    intermediate: intermediate(c.int('hidden_size')),
  };
  c.divisible('hidden_size', dims.hidden, 'num_attention_heads', dims.heads);
  c.divisible('image_size', dims.imageSize, 'patch_size', dims.patchSize);
  return dims;
}

/** hidden_act → GELU variant; the encoders here only use GELU, other names are refused. */
export function geluKind(c: ConfigReader): GeluApproximate {
  const act = c.oneOf('hidden_act', ['gelu', 'gelu_new', 'gelu_pytorch_tanh'], 'gelu');
  return act === 'gelu' ? 'none' : 'tanh';
}

/** ViT/DINOv2 self-attention: attention.attention.{query,key,value} + attention.output.dense. */
export class ViTAttention extends Module {
  readonly typeName = 'ViTAttention';
  constructor(private readonly d: VisionDims, init: InitMode) {
    super();
    const self = this.registerModule('attention', container('ViTSelfAttention', {}));
    self.add('query', new Linear(d.hidden, d.hidden, { bias: d.qkvBias, seed: 1, init }));
    self.add('key', new Linear(d.hidden, d.hidden, { bias: d.qkvBias, seed: 2, init }));
    self.add('value', new Linear(d.hidden, d.hidden, { bias: d.qkvBias, seed: 3, init }));
    this.registerModule('output', container('ViTSelfOutput', { dense: new Linear(d.hidden, d.hidden, { seed: 4, init }) }));
  }

  /** x: [B, N, h] → [B, N, h]. */
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const h = this.d.heads;
      const q = splitHeads(callAt(this, 'attention.query', x), h);
      const k = splitHeads(callAt(this, 'attention.key', x), h);
      const v = splitHeads(callAt(this, 'attention.value', x), h);
      const ctx = mergeHeads(eagerAttention(q, k, v, 1 / Math.sqrt(this.d.hidden / h)));
      return callAt(this, 'output.dense', ctx);
    });
  }
}

/** Patch embedding, class token and learned positions: pixel_values [B, C, H, W] → [B, N+1, h]. */
class ViTEmbeddings extends Module {
  readonly typeName = 'ViTEmbeddings';

  constructor(private readonly d: VisionDims, init: InitMode) {
    super();
    const n = (d.imageSize / d.patchSize) ** 2;
    this.registerParameter('cls_token', tf.zeros([1, 1, d.hidden]));
    this.registerParameter('position_embeddings', tf.zeros([1, n + 1, d.hidden]));
    const proj = new Conv2d(d.channels, d.hidden, d.patchSize, { stride: d.patchSize, seed: 5, init });
    this.registerModule('patch_embeddings', container('ViTPatchEmbeddings', { projection: proj }));
  }

  forward(pixels: tf.Tensor): tf.Tensor {
    const [b, c, hgt, wid] = pixels.shape;
    const d = this.d;
    if (c !== d.channels || hgt !== d.imageSize || wid !== d.imageSize) {
      throw new Error(`${this.typeName}: pixel_values [${pixels.shape}] must be [B, ${d.channels}, ${d.imageSize}, ${d.imageSize}] (as in transformers without interpolate_pos_encoding, which is not supported here)`);
    }
    return tf.tidy(() => {
      const patches = callAt(this, 'patch_embeddings.projection', pixels); // [B, h, gh, gw]
      const seq = tf.transpose(tf.reshape(patches, [b, d.hidden, -1]), [0, 2, 1]); // [B, N, h]
      const cls = tf.tile(this.param('cls_token'), [b, 1, 1]);
      return tf.add(tf.concat([cls, seq], 1), this.param('position_embeddings'));
    });
  }
}

class ViTLayer extends Module {
  readonly typeName = 'ViTLayer';

  constructor(private readonly d: VisionDims, init: InitMode) {
    super();
    this.registerModule('attention', new ViTAttention(d, init));
    this.registerModule('intermediate', container('ViTIntermediate', { dense: new Linear(d.hidden, d.intermediate, { seed: 6, init }) }));
    this.registerModule('output', container('ViTOutput', { dense: new Linear(d.intermediate, d.hidden, { seed: 7, init }) }));
    this.registerModule('layernorm_before', new LayerNorm(d.hidden, { eps: d.eps }));
    this.registerModule('layernorm_after', new LayerNorm(d.hidden, { eps: d.eps }));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const att = (this.getSubmodule('attention') as ViTAttention).forward(callAt(this, 'layernorm_before', x));
      const h = tf.add(att, x);
      const mid = gelu(callAt(this, 'intermediate.dense', callAt(this, 'layernorm_after', h)), this.d.act);
      return tf.add(callAt(this, 'output.dense', mid), h);
    });
  }
}

export class ViTForImageClassification extends PretrainedModel {
  readonly typeName = 'ViTForImageClassification';
  readonly task = 'image-classification' as const;
  readonly requiredInputs: readonly InputName[] = ['pixel_values'];
  readonly numLabels: number;
  private readonly problem: ProblemType;

  constructor(readonly config: RawConfig, opts: InitOptions = {}) {
    super();
    const init = initModeOf(opts, 'ViTForImageClassification');
    const c = new ConfigReader(config, 'ViT');
    const d = readVisionDims(c, 1e-12, () => c.int('intermediate_size'));
    this.numLabels = c.numLabels();
    this.problem = problemType(c, this.numLabels);
    const vit = this.registerModule('vit', container('ViTModel', {}));
    vit.add('embeddings', new ViTEmbeddings(d, init));
    const layers = new ModuleList<ViTLayer>(Array.from({ length: d.layers }, () => new ViTLayer(d, init)));
    vit.add('encoder', container('ViTEncoder', { layer: layers }));
    vit.add('layernorm', new LayerNorm(d.hidden, { eps: d.eps }));
    this.registerModule('classifier', new Linear(d.hidden, this.numLabels, { seed: 8, init }));
  }

  forward(inputs: ModelInputs): ModelOutput {
    const pixels = this.requireInput(inputs, 'pixel_values');
    const logits = tf.tidy(() => {
      let h = (this.getSubmodule('vit.embeddings') as ViTEmbeddings).forward(pixels);
      for (const [, layer] of this.getSubmodule('vit.encoder.layer').children()) h = (layer as ViTLayer).forward(h);
      h = callAt(this, 'vit.layernorm', h);
      const cls = tf.squeeze(tf.slice(h, [0, 0, 0], [-1, 1, -1]), [1]); // [B, h]
      return callAt(this, 'classifier', cls) as tf.Tensor2D;
    });
    if (!inputs.labels) return { logits };
    return { logits, loss: classificationLoss(this.problem, logits, inputs.labels) };
  }
}
