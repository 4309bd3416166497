// The LLaMA family (transformers' LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM):
// RMSNorm pre-norm blocks, rotary positions, grouped-query attention, SwiGLU MLP.
// Variants differ only in config: Qwen2 has q/k/v biases, Mistral/Qwen2 may use a sliding
// window, and any of them may tie the LM head to the token embedding.
import * as tf from '@tensorflow/tfjs';
import { Module } from '../nn/module';
import { Embedding, Linear, ModuleList, RMSNorm, initModeOf, silu, type InitMode, type InitOptions } from '../nn';
import { ConfigReader, type RawConfig } from './config';
import { applyRope, asInt, attentionBias, eagerAttention, mergeHeads, repeatKv, ropeTables, splitHeads } from './common';
import { shiftedCrossEntropy } from './losses';
import { TiedLinear } from './modeling_gpt2';
import { callAt, container } from './tree';
import { PretrainedModel, type InputName, type ModelInputs, type ModelOutput } from './types';

export type LlamaVariant = 'llama' | 'mistral' | 'qwen2';

interface LlamaDims {
  hidden: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  intermediate: number;
  eps: number;
  qkvBias: boolean;
  oBias: boolean;
  mlpBias: boolean;
  theta: number;
  slidingWindow?: number;
}

/** RoPE settings from rope_parameters (transformers 5) or rope_theta/rope_scaling (4.x). */
function ropeTheta(c: ConfigReader): number {
  const params = (c.raw.rope_parameters ?? c.raw.rope_scaling) as Record<string, unknown> | null | undefined;
  const type = params?.rope_type ?? params?.type ?? 'default';
  if (type !== 'default') {
    throw new Error(`${c.arch} config: rope_type '${String(type)}' is not supported (supported: default)`);
  }
  const theta = params?.rope_theta ?? c.raw.rope_theta ?? 10000;
  if (typeof theta !== 'number' || !(theta > 0)) throw new Error(`${c.arch} config: rope_theta must be a positive number, found ${JSON.stringify(theta)}`);
  return theta;
}

function slidingWindow(c: ConfigReader, variant: LlamaVariant): number | undefined {
  switch (variant) {
    case 'llama': return undefined;
    case 'mistral': return c.optInt('sliding_window');
    case 'qwen2': {
      if (!c.bool('use_sliding_window', false)) return undefined;
      throw new Error('Qwen2 config: use_sliding_window=true is not supported (its per-layer window rule); supported: false');
    }
    default: {
      const never: never = variant;
      throw new Error(`unknown LLaMA variant ${String(never)}`);
    }
  }
}

export function readLlamaDims(c: ConfigReader, variant: LlamaVariant): LlamaDims {
  const hidden = c.int('hidden_size');
  const heads = c.int('num_attention_heads');
  const kvHeads = c.int('num_key_value_heads', heads);
  c.divisible('num_attention_heads', heads, 'num_key_value_heads', kvHeads);
  const act = c.str('hidden_act', 'silu');
  if (act !== 'silu') throw new Error(`${c.arch} config: hidden_act='${act}' is not supported (supported: silu)`);
  const attnBias = variant === 'qwen2' ? true : c.bool('attention_bias', false);
  return {
    hidden, heads, kvHeads,
    headDim: c.optInt('head_dim') ?? hidden / heads,
    intermediate: c.int('intermediate_size'),
    eps: c.num('rms_norm_eps', 1e-6),
    qkvBias: attnBias,
    oBias: variant === 'qwen2' ? false : attnBias,
    mlpBias: variant === 'qwen2' ? false : c.bool('mlp_bias', false),
    theta: ropeTheta(c),
    slidingWindow: slidingWindow(c, variant),
  };
}

class LlamaDecoderLayer extends Module {
  readonly typeName = 'LlamaDecoderLayer';

  constructor(private readonly d: LlamaDims, init: InitMode) {
    super();
    const lin = (i: number, o: number, bias: boolean) => new Linear(i, o, { bias, seed: 1, init });
    const q = d.heads * d.headDim;
    const kv = d.kvHeads * d.headDim;
    this.registerModule('self_attn', container('LlamaAttention', {
      q_proj: lin(d.hidden, q, d.qkvBias), k_proj: lin(d.hidden, kv, d.qkvBias),
      v_proj: lin(d.hidden, kv, d.qkvBias), o_proj: lin(q, d.hidden, d.oBias),
    }));
    this.registerModule('mlp', container('LlamaMLP', {
      gate_proj: lin(d.hidden, d.intermediate, d.mlpBias), up_proj: lin(d.hidden, d.intermediate, d.mlpBias),
      down_proj: lin(d.intermediate, d.hidden, d.mlpBias),
    }));
    this.registerModule('input_layernorm', new RMSNorm(d.hidden, { eps: d.eps }));
    this.registerModule('post_attention_layernorm', new RMSNorm(d.hidden, { eps: d.eps }));
  }

  private attention(x: tf.Tensor, rope: { cos: tf.Tensor2D; sin: tf.Tensor2D }, bias: tf.Tensor | undefined): tf.Tensor {
    const d = this.d;
    const q = applyRope(splitHeads(callAt(this, 'self_attn.q_proj', x), d.heads), rope.cos, rope.sin);
    const k = applyRope(splitHeads(callAt(this, 'self_attn.k_proj', x), d.kvHeads), rope.cos, rope.sin);
    const v = splitHeads(callAt(this, 'self_attn.v_proj', x), d.kvHeads);
    const rep = d.heads / d.kvHeads;
    const ctx = eagerAttention(q, repeatKv(k, rep), repeatKv(v, rep), 1 / Math.sqrt(d.headDim), bias);
    return callAt(this, 'self_attn.o_proj', mergeHeads(ctx));
  }

  /** x: [B, T, h]; rope tables [T, dh]; bias: causal + padding mask [B, 1, T, T]. */
  forward(x: tf.Tensor, rope: { cos: tf.Tensor2D; sin: tf.Tensor2D }, bias: tf.Tensor | undefined): tf.Tensor {
    return tf.tidy(() => {
      const a = tf.add(x, this.attention(callAt(this, 'input_layernorm', x), rope, bias));
      const n = callAt(this, 'post_attention_layernorm', a);
      const swiglu = tf.mul(silu(callAt(this, 'mlp.gate_proj', n)), callAt(this, 'mlp.up_proj', n));
      return tf.add(a, callAt(this, 'mlp.down_proj', swiglu));
    });
  }
}

const TYPE_NAMES: Record<LlamaVariant, string> = {
  llama: 'LlamaForCausalLM', mistral: 'MistralForCausalLM', qwen2: 'Qwen2ForCausalLM',
};

export class LlamaForCausalLM extends PretrainedModel {
  readonly typeName: string;
  readonly task = 'causal-lm' as const;
  readonly requiredInputs: readonly InputName[] = ['input_ids'];
  private readonly d: LlamaDims;

  constructor(readonly config: RawConfig, variant: LlamaVariant = 'llama', opts: InitOptions = {}) {
    super();
    this.typeName = TYPE_NAMES[variant];
    const init = initModeOf(opts, this.typeName);
    const c = new ConfigReader(config, this.typeName);
    this.d = readLlamaDims(c, variant);
    const vocab = c.int('vocab_size');
    const embed = new Embedding(vocab, this.d.hidden, { init });
    const layers = new ModuleList<LlamaDecoderLayer>(Array.from({ length: c.int('num_hidden_layers') }, () => new LlamaDecoderLayer(this.d, init)));
    const norm = new RMSNorm(this.d.hidden, { eps: this.d.eps });
    this.registerModule('model', container('LlamaModel', { embed_tokens: embed, layers, norm }));
    const tied = c.bool('tie_word_embeddings', false);
    this.registerModule('lm_head', tied ? new TiedLinear(embed.param('weight')) : new Linear(this.d.hidden, vocab, { bias: false, seed: 9, init }));
  }

  forward(inputs: ModelInputs): ModelOutput {
    const ids = asInt(this.requireInput(inputs, 'input_ids'));
    const [, t] = ids.shape;
    const logits = tf.tidy(() => {
      const rope = ropeTables(t, this.d.headDim, this.d.theta);
      const bias = attentionBias({ keyMask: inputs.attention_mask, causal: true, slidingWindow: this.d.slidingWindow }, t, t);
      let h = callAt(this, 'model.embed_tokens', ids);
      for (const [, layer] of this.getSubmodule('model.layers').children()) h = (layer as LlamaDecoderLayer).forward(h, rope, bias);
      return callAt(this, 'lm_head', callAt(this, 'model.norm', h));
    });
    if (ids !== inputs.input_ids) ids.dispose();
    if (!inputs.labels) return { logits };
    return { logits, loss: shiftedCrossEntropy(logits, inputs.labels) };
  }
}
