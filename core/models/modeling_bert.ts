// BERT (transformers' BertForSequenceClassification): post-norm encoder, tanh pooler on [CLS].
import * as tf from '@tensorflow/tfjs';
import { Module } from '../nn/module';
import { Embedding, LayerNorm, Linear, ModuleList, gelu, initModeOf, type GeluApproximate, type InitMode, type InitOptions } from '../nn';
import { ConfigReader, problemType, type ProblemType, type RawConfig } from './config';
import { asInt, attentionBias, eagerAttention, mergeHeads, splitHeads } from './common';
import { classificationLoss } from './losses';
import { geluKind } from './modeling_vit';
import { callAt, container } from './tree';
import { PretrainedModel, type InputName, type ModelInputs, type ModelOutput } from './types';

interface BertDims {
  hidden: number;
  heads: number;
  intermediate: number;
  eps: number;
  act: GeluApproximate;
}

class BertEmbeddings extends Module {
  readonly typeName = 'BertEmbeddings';

  constructor(c: ConfigReader, d: BertDims, init: InitMode) {
    super();
    this.registerModule('word_embeddings', new Embedding(c.int('vocab_size'), d.hidden, { init }));
    this.registerModule('position_embeddings', new Embedding(c.int('max_position_embeddings'), d.hidden, { init }));
    this.registerModule('token_type_embeddings', new Embedding(c.int('type_vocab_size', 2), d.hidden, { init }));
    this.registerModule('LayerNorm', new LayerNorm(d.hidden, { eps: d.eps }));
  }

  /** ids, types: [B, T] int → [B, T, h]; absolute positions 0..T−1. */
  forward(ids: tf.Tensor, types: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const [, t] = ids.shape;
      const pos = tf.reshape(tf.range(0, t, 1, 'int32'), [1, t]);
      const sum = tf.add(tf.add(callAt(this, 'word_embeddings', ids), callAt(this, 'token_type_embeddings', types)), callAt(this, 'position_embeddings', pos));
      return callAt(this, 'LayerNorm', sum);
    });
  }
}

class BertLayer extends Module {
  readonly typeName = 'BertLayer';

  constructor(private readonly d: BertDims, init: InitMode) {
    super();
    const lin = (i: number, o: number, seed: number) => new Linear(i, o, { seed, init });
    const self = container('BertSelfAttention', { query: lin(d.hidden, d.hidden, 1), key: lin(d.hidden, d.hidden, 2), value: lin(d.hidden, d.hidden, 3) });
    const selfOut = container('BertSelfOutput', { dense: lin(d.hidden, d.hidden, 4), LayerNorm: new LayerNorm(d.hidden, { eps: d.eps }) });
    this.registerModule('attention', container('BertAttention', { self, output: selfOut }));
    this.registerModule('intermediate', container('BertIntermediate', { dense: lin(d.hidden, d.intermediate, 5) }));
    this.registerModule('output', container('BertOutput', { dense: lin(d.intermediate, d.hidden, 6), LayerNorm: new LayerNorm(d.hidden, { eps: d.eps }) }));
  }

  /** x: [B, T, h], bias: additive key mask [B, 1, 1, T]. */
  forward(x: tf.Tensor, bias: tf.Tensor | undefined): tf.Tensor {
    return tf.tidy(() => {
      const h = this.d.heads;
      const q = splitHeads(callAt(this, 'attention.self.query', x), h);
      const k = splitHeads(callAt(this, 'attention.self.key', x), h);
      const v = splitHeads(callAt(this, 'attention.self.value', x), h);
      const ctx = mergeHeads(eagerAttention(q, k, v, 1 / Math.sqrt(this.d.hidden / h), bias));
      const a = callAt(this, 'attention.output.LayerNorm', tf.add(callAt(this, 'attention.output.dense', ctx), x));
      const mid = gelu(callAt(this, 'intermediate.dense', a), this.d.act);
      return callAt(this, 'output.LayerNorm', tf.add(callAt(this, 'output.dense', mid), a));
    });
  }
}

export class BertForSequenceClassification extends PretrainedModel {
  readonly typeName = 'BertForSequenceClassification';
  readonly task = 'sequence-classification' as const;
  readonly requiredInputs: readonly InputName[] = ['input_ids'];
  readonly numLabels: number;
  private readonly problem: ProblemType;

  constructor(readonly config: RawConfig, opts: InitOptions = {}) {
    super();
    const init = initModeOf(opts, 'BertForSequenceClassification');
    const c = new ConfigReader(config, 'BERT');
    const d: BertDims = {
      hidden: c.int('hidden_size'),
      heads: c.int('num_attention_heads'),
      intermediate: c.int('intermediate_size'),
      eps: c.num('layer_norm_eps', 1e-12),
      act: geluKind(c),
    };
    c.divisible('hidden_size', d.hidden, 'num_attention_heads', d.heads);
    const pe = c.str('position_embedding_type', 'absolute');
    if (pe !== 'absolute') throw new Error(`BERT config: position_embedding_type='${pe}' is not supported (supported: absolute)`);
    this.numLabels = c.numLabels();
    this.problem = problemType(c, this.numLabels);
    const bert = this.registerModule('bert', container('BertModel', {}));
    bert.add('embeddings', new BertEmbeddings(c, d, init));
    const layers = new ModuleList<BertLayer>(Array.from({ length: c.int('num_hidden_layers') }, () => new BertLayer(d, init)));
    bert.add('encoder', container('BertEncoder', { layer: layers }));
    bert.add('pooler', container('BertPooler', { dense: new Linear(d.hidden, d.hidden, { seed: 7, init }) }));
    this.registerModule('classifier', new Linear(d.hidden, this.numLabels, { seed: 8, init }));
  }

  forward(inputs: ModelInputs): ModelOutput {
    const ids = asInt(this.requireInput(inputs, 'input_ids'));
    const logits = tf.tidy(() => {
      const [b, t] = ids.shape;
      const types = inputs.token_type_ids ? asInt(inputs.token_type_ids) : tf.zeros([b, t], 'int32');
      const bias = inputs.attention_mask ? attentionBias({ keyMask: inputs.attention_mask, causal: false }, t, t) : undefined;
      let h = (this.getSubmodule('bert.embeddings') as BertEmbeddings).forward(ids, types);
      for (const [, layer] of this.getSubmodule('bert.encoder.layer').children()) h = (layer as BertLayer).forward(h, bias);
      const cls = tf.reshape(tf.slice(h, [0, 0, 0], [b, 1, -1]), [b, -1]);
      const pooled = tf.tanh(callAt(this, 'bert.pooler.dense', cls));
      return callAt(this, 'classifier', pooled) as tf.Tensor2D;
    });
    if (ids !== inputs.input_ids) ids.dispose();
    if (!inputs.labels) return { logits };
    return { logits, loss: classificationLoss(this.problem, logits, inputs.labels) };
  }
}
