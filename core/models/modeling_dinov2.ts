// DINOv2 (transformers' Dinov2ForImageClassification): pre-norm ViT blocks with layer scale,
// position embeddings resampled bicubically to the input size, head on [CLS ‖ mean(patches)].
import * as tf from '@tensorflow/tfjs';
import { Module } from '../nn/module';
import { Conv2d, LayerNorm, LayerScale, Linear, ModuleList, gelu, initModeOf, type InitMode, type InitOptions } from '../nn';
import { ConfigReader, problemType, type ProblemType, type RawConfig } from './config';
import { bicubicMatrix } from './interpolate';
import { classificationLoss } from './losses';
import { ViTAttention, readVisionDims, type VisionDims } from './modeling_vit';
import { callAt, container } from './tree';
import { PretrainedModel, type InputName, type ModelInputs, type ModelOutput } from './types';

class Dinov2Embeddings extends Module {
  readonly typeName = 'Dinov2Embeddings';
  private readonly grid: number;

  constructor(private readonly d: VisionDims, init: InitMode) {
    super();
    this.grid = d.imageSize / d.patchSize;
    this.registerParameter('cls_token', tf.zeros([1, 1, d.hidden]));
    this.registerParameter('mask_token', tf.zeros([1, d.hidden]));
    this.registerParameter('position_embeddings', tf.zeros([1, this.grid * this.grid + 1, d.hidden]));
    const proj = new Conv2d(d.channels, d.hidden, d.patchSize, { stride: d.patchSize, seed: 5, init });
    this.registerModule('patch_embeddings', container('Dinov2PatchEmbeddings', { projection: proj }));
  }

  /** position_embeddings resampled to a gh × gw patch grid: [1, gh·gw + 1, h]. */
  private positions(gh: number, gw: number): tf.Tensor {
    const pos = this.param('position_embeddings');
    if (gh === this.grid && gw === this.grid) return pos;
    const g = this.grid;
    const h = this.d.hidden;
    const cls = tf.slice(pos, [0, 0, 0], [1, 1, h]);
    const grid = tf.reshape(tf.slice(pos, [0, 1, 0], [1, g * g, h]), [g, g * h]); // rows: y
    const wy = tf.tensor2d(Float32Array.from(bicubicMatrix(g, gh)), [gh, g]);
    const wx = tf.tensor2d(Float32Array.from(bicubicMatrix(g, gw)), [gw, g]);
    const rows = tf.reshape(tf.matMul(wy, grid), [gh, g, h]); // resampled along y
    const cols = tf.transpose(tf.reshape(tf.transpose(rows, [1, 0, 2]), [g, gh * h])); // [gh·h, g]
    const both = tf.matMul(cols, wx, false, true); // [gh·h, gw]
    const patches = tf.reshape(tf.transpose(tf.reshape(both, [gh, h, gw]), [0, 2, 1]), [1, gh * gw, h]);
    return tf.concat([cls, patches], 1);
  }

  forward(pixels: tf.Tensor): tf.Tensor {
    const [b, c, hgt, wid] = pixels.shape;
    const p = this.d.patchSize;
    if (c !== this.d.channels || hgt < p || wid < p) {
      throw new Error(`Dinov2Embeddings: pixel_values [${pixels.shape}] must be [B, ${this.d.channels}, H, W] with H, W ≥ patch_size=${p}`);
    }
    return tf.tidy(() => {
      const patches = callAt(this, 'patch_embeddings.projection', pixels); // [B, h, gh, gw]
      const [, , gh, gw] = patches.shape;
      const seq = tf.transpose(tf.reshape(patches, [b, this.d.hidden, gh * gw]), [0, 2, 1]);
      const cls = tf.tile(this.param('cls_token'), [b, 1, 1]);
      return tf.add(tf.concat([cls, seq], 1), this.positions(gh, gw));
    });
  }
}

class Dinov2Layer extends Module {
  readonly typeName = 'Dinov2Layer';

  constructor(private readonly d: VisionDims, layerscale: number, init: InitMode) {
    super();
    this.registerModule('norm1', new LayerNorm(d.hidden, { eps: d.eps }));
    this.registerModule('attention', new ViTAttention(d, init));
    this.registerModule('layer_scale1', new LayerScale(d.hidden, layerscale));
    this.registerModule('norm2', new LayerNorm(d.hidden, { eps: d.eps }));
    const mlp = container('Dinov2MLP', {
      fc1: new Linear(d.hidden, d.intermediate, { seed: 6, init }),
      fc2: new Linear(d.intermediate, d.hidden, { seed: 7, init }),
    });
    this.registerModule('mlp', mlp);
    this.registerModule('layer_scale2', new LayerScale(d.hidden, layerscale));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const att = (this.getSubmodule('attention') as ViTAttention).forward(callAt(this, 'norm1', x));
      const h = tf.add(callAt(this, 'layer_scale1', att), x);
      const mid = gelu(callAt(this, 'mlp.fc1', callAt(this, 'norm2', h)), this.d.act);
      return tf.add(callAt(this, 'layer_scale2', callAt(this, 'mlp.fc2', mid)), h);
    });
  }
}

export class Dinov2ForImageClassification extends PretrainedModel {
  readonly typeName = 'Dinov2ForImageClassification';
  readonly task = 'image-classification' as const;
  readonly requiredInputs: readonly InputName[] = ['pixel_values'];
  readonly numLabels: number;
  private readonly problem: ProblemType;

  constructor(readonly config: RawConfig, opts: InitOptions = {}) {
    super();
    const init = initModeOf(opts, 'Dinov2ForImageClassification');
    const c = new ConfigReader(config, 'Dinov2');
    if (c.bool('use_swiglu_ffn', false)) throw new Error('Dinov2 config: use_swiglu_ffn=true is not supported (supported: false, the GELU MLP)');
    const d = readVisionDims(c, 1e-6, (h) => Math.trunc(h * c.num('mlp_ratio', 4)));
    this.numLabels = c.numLabels();
    this.problem = problemType(c, this.numLabels);
    const layerscale = c.num('layerscale_value', 1);
    const body = this.registerModule('dinov2', container('Dinov2Model', {}));
    body.add('embeddings', new Dinov2Embeddings(d, init));
    const layers = new ModuleList<Dinov2Layer>(Array.from({ length: d.layers }, () => new Dinov2Layer(d, layerscale, init)));
    body.add('encoder', container('Dinov2Encoder', { layer: layers }));
    body.add('layernorm', new LayerNorm(d.hidden, { eps: d.eps }));
    this.registerModule('classifier', new Linear(2 * d.hidden, this.numLabels, { seed: 8, init }));
  }

  forward(inputs: ModelInputs): ModelOutput {
    const pixels = this.requireInput(inputs, 'pixel_values');
    const logits = tf.tidy(() => {
      let h = (this.getSubmodule('dinov2.embeddings') as Dinov2Embeddings).forward(pixels);
      for (const [, layer] of this.getSubmodule('dinov2.encoder.layer').children()) h = (layer as Dinov2Layer).forward(h);
      h = callAt(this, 'dinov2.layernorm', h);
      const [b, n, hid] = h.shape;
      const cls = tf.reshape(tf.slice(h, [0, 0, 0], [b, 1, hid]), [b, hid]);
      const mean = tf.mean(tf.slice(h, [0, 1, 0], [b, n - 1, hid]), 1);
      return callAt(this, 'classifier', tf.concat([cls, mean], 1)) as tf.Tensor2D;
    });
    if (!inputs.labels) return { logits };
    return { logits, loss: classificationLoss(this.problem, logits, inputs.labels) };
  }
}
