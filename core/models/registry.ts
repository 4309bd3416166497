// config.json → a model of the zoo. The architecture comes from `architectures[0]`; an unknown
// one is refused with the list of supported ones rather than guessed from model_type.
import type { RawConfig } from './config';
import { BertForSequenceClassification } from './modeling_bert';
import { Dinov2ForImageClassification } from './modeling_dinov2';
import { GPT2LMHeadModel } from './modeling_gpt2';
import { LlamaForCausalLM } from './modeling_llama';
import { ViTForImageClassification } from './modeling_vit';
import type { PretrainedModel } from './types';
import { registerZooNamings } from './naming';

// Adapter loading (core/io/peft) looks namings up by model_type; building any zoo model
// goes through this module, so registering here covers every path that loads an adapter.
registerZooNamings();
import { DIGIT_MLP_ARCH, DigitMLP } from '../train/sample/digit-mlp';

const FACTORIES: Record<string, (config: RawConfig) => PretrainedModel> = {
  ViTForImageClassification: (c) => new ViTForImageClassification(c),
  Dinov2ForImageClassification: (c) => new Dinov2ForImageClassification(c),
  BertForSequenceClassification: (c) => new BertForSequenceClassification(c),
  GPT2LMHeadModel: (c) => new GPT2LMHeadModel(c),
  LlamaForCausalLM: (c) => new LlamaForCausalLM(c, 'llama'),
  MistralForCausalLM: (c) => new LlamaForCausalLM(c, 'mistral'),
  Qwen2ForCausalLM: (c) => new LlamaForCausalLM(c, 'qwen2'),
  [DIGIT_MLP_ARCH]: (c) => new DigitMLP(c), // the embedded sample's base model (assets/sample)
};

export const SUPPORTED_ARCHITECTURES: readonly string[] = Object.keys(FACTORIES);

export function architectureOf(config: RawConfig): string {
  const archs = config.architectures;
  if (!Array.isArray(archs) || archs.length !== 1 || typeof archs[0] !== 'string') {
    throw new Error(`config.json: 'architectures' must list exactly one architecture, found ${JSON.stringify(archs)} (supported: ${SUPPORTED_ARCHITECTURES.join(', ')})`);
  }
  return archs[0];
}

/** Builds the (randomly initialised) module tree a config describes; load weights after. */
export function createModel(config: RawConfig): PretrainedModel {
  const arch = architectureOf(config);
  const make = FACTORIES[arch];
  if (!make) throw new Error(`unsupported architecture '${arch}' (supported: ${SUPPORTED_ARCHITECTURES.join(', ')})`);
  return make(config);
}
