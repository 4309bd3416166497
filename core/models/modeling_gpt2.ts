// GPT-2 (transformers' GPT2LMHeadModel): Conv1D projections (weights [in, out]), pre-norm
// blocks, learned positions, LM head tied to the token embedding.
import * as tf from '@tensorflow/tfjs';
import { Module } from '../nn/module';
import { Conv1D, Embedding, LayerNorm, Linear, ModuleList, gelu, initModeOf, relu, silu, type InitMode, type InitOptions } from '../nn';
import { ConfigReader, type RawConfig } from './config';
import { asInt, attentionBias, eagerAttention, mergeHeads, splitHeads } from './common';
import { shiftedCrossEntropy } from './losses';
import { callAt, container } from './tree';
import { PretrainedModel, type InputName, type ModelInputs, type ModelOutput } from './types';

type Gpt2Act = 'gelu_new' | 'gelu' | 'gelu_pytorch_tanh' | 'relu' | 'silu';
const GPT2_ACTS: readonly Gpt2Act[] = ['gelu_new', 'gelu', 'gelu_pytorch_tanh', 'relu', 'silu'];

function activate(x: tf.Tensor, act: Gpt2Act): tf.Tensor {
  switch (act) {
    case 'gelu_new': case 'gelu_pytorch_tanh': return gelu(x, 'tanh');
    case 'gelu': return gelu(x, 'none');
    case 'relu': return relu(x);
    case 'silu': return silu(x);
    default: {
      const never: never = act;
      throw new Error(`GPT-2: unknown activation ${String(never)}`);
    }
  }
}

interface Gpt2Dims {
  hidden: number;
  heads: number;
  inner: number;
  eps: number;
  act: Gpt2Act;
  scaleWeights: boolean;
  scaleByLayer: boolean;
}

class GPT2Block extends Module {
  readonly typeName = 'GPT2Block';

  constructor(private readonly d: Gpt2Dims, private readonly index: number, init: InitMode) {
    super();
    const h = d.hidden;
    this.registerModule('ln_1', new LayerNorm(h, { eps: d.eps }));
    this.registerModule('attn', container('GPT2Attention', { c_attn: new Conv1D(3 * h, h, { seed: 1, init }), c_proj: new Conv1D(h, h, { seed: 2, init }) }));
    this.registerModule('ln_2', new LayerNorm(h, { eps: d.eps }));
    this.registerModule('mlp', container('GPT2MLP', { c_fc: new Conv1D(d.inner, h, { seed: 3, init }), c_proj: new Conv1D(h, d.inner, { seed: 4, init }) }));
  }

  private scale(): number {
    let s = this.d.scaleWeights ? 1 / Math.sqrt(this.d.hidden / this.d.heads) : 1;
    if (this.d.scaleByLayer) s /= this.index + 1;
    return s;
  }

  /** x: [B, T, h], bias: causal + padding mask [B, 1, T, T]. */
  forward(x: tf.Tensor, bias: tf.Tensor | undefined): tf.Tensor {
    return tf.tidy(() => {
      const h = this.d.hidden;
      const qkv = callAt(this, 'attn.c_attn', callAt(this, 'ln_1', x)); // [B, T, 3h]
      const [q, k, v] = tf.split(qkv, [h, h, h], 2).map((t) => splitHeads(t, this.d.heads));
      const ctx = mergeHeads(eagerAttention(q, k, v, this.scale(), bias));
      const a = tf.add(callAt(this, 'attn.c_proj', ctx), x);
      const mid = activate(callAt(this, 'mlp.c_fc', callAt(this, 'ln_2', a)), this.d.act);
      return tf.add(callAt(this, 'mlp.c_proj', mid), a);
    });
  }
}

/**
 * A Linear whose weight is another module's Variable (tied embeddings): one tensor, two names.
 * Nothing is allocated for it: the embedding's Variable is registered as this layer's weight.
 */
export class TiedLinear extends Linear {
  constructor(weight: tf.Variable) {
    const [outF, inF] = weight.shape as [number, number];
    super(inF, outF, { bias: false, seed: 0, tiedWeight: weight });
  }
}

export class GPT2LMHeadModel extends PretrainedModel {
  readonly typeName = 'GPT2LMHeadModel';
  readonly task = 'causal-lm' as const;
  readonly requiredInputs: readonly InputName[] = ['input_ids'];
  private readonly maxPositions: number;

  constructor(readonly config: RawConfig, opts: InitOptions = {}) {
    super();
    const init = initModeOf(opts, 'GPT2LMHeadModel');
    const c = new ConfigReader(config, 'GPT-2');
    const hidden = c.int('n_embd');
    const d: Gpt2Dims = {
      hidden,
      heads: c.int('n_head'),
      inner: c.optInt('n_inner') ?? 4 * hidden,
      eps: c.num('layer_norm_epsilon', 1e-5),
      act: c.oneOf('activation_function', GPT2_ACTS, 'gelu_new'),
      scaleWeights: c.bool('scale_attn_weights', true),
      scaleByLayer: c.bool('scale_attn_by_inverse_layer_idx', false),
    };
    c.divisible('n_embd', hidden, 'n_head', d.heads);
    if (c.bool('add_cross_attention', false)) throw new Error('GPT-2 config: add_cross_attention=true is not supported (supported: false)');
    this.maxPositions = c.int('n_positions');
    const vocab = c.int('vocab_size');
    const wte = new Embedding(vocab, hidden, { init });
    const blocks = new ModuleList<GPT2Block>(Array.from({ length: c.int('n_layer') }, (_, i) => new GPT2Block(d, i, init)));
    const ln = new LayerNorm(hidden, { eps: d.eps });
    this.registerModule('transformer', container('GPT2Model', { wte, wpe: new Embedding(this.maxPositions, hidden, { init }), h: blocks, ln_f: ln }));
    const tied = c.bool('tie_word_embeddings', true);
    this.registerModule('lm_head', tied ? new TiedLinear(wte.param('weight')) : new Linear(hidden, vocab, { bias: false, seed: 9, init }));
  }

  forward(inputs: ModelInputs): ModelOutput {
    const ids = asInt(this.requireInput(inputs, 'input_ids'));
    const [, t] = ids.shape;
    if (t > this.maxPositions) throw new Error(`GPT-2: sequence length ${t} exceeds n_positions=${this.maxPositions}`);
    const logits = tf.tidy(() => {
      const pos = tf.reshape(tf.range(0, t, 1, 'int32'), [1, t]);
      let h = tf.add(callAt(this, 'transformer.wte', ids), callAt(this, 'transformer.wpe', pos));
      const bias = attentionBias({ keyMask: inputs.attention_mask, causal: true }, t, t);
      for (const [, block] of this.getSubmodule('transformer.h').children()) h = (block as GPT2Block).forward(h, bias);
      return callAt(this, 'lm_head', callAt(this, 'transformer.ln_f', h));
    });
    if (ids !== inputs.input_ids) ids.dispose();
    if (!inputs.labels) return { logits };
    return { logits, loss: shiftedCrossEntropy(logits, inputs.labels) };
  }
}
