// config.json → a model of the zoo. The architecture comes from `architectures[0]`; an unknown
// one is refused with the list of supported ones rather than guessed from model_type.
import type { RawConfig } from './config';
import type { InitOptions } from '../nn/init';
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

const FACTORIES: Record<string, (config: RawConfig, opts: InitOptions) => PretrainedModel> = {
  ViTForImageClassification: (c, o) => new ViTForImageClassification(c, o),
  Dinov2ForImageClassification: (c, o) => new Dinov2ForImageClassification(c, o),
  BertForSequenceClassification: (c, o) => new BertForSequenceClassification(c, o),
  GPT2LMHeadModel: (c, o) => new GPT2LMHeadModel(c, o),
  LlamaForCausalLM: (c, o) => new LlamaForCausalLM(c, 'llama', o),
  MistralForCausalLM: (c, o) => new LlamaForCausalLM(c, 'mistral', o),
  Qwen2ForCausalLM: (c, o) => new LlamaForCausalLM(c, 'qwen2', o),
  [DIGIT_MLP_ARCH]: (c, o) => new DigitMLP(c, 0, o), // the embedded sample's base model (assets/sample)
};

export const SUPPORTED_ARCHITECTURES: readonly string[] = Object.keys(FACTORIES);

export function architectureOf(config: RawConfig): string {
  const archs = config.architectures;
  if (!Array.isArray(archs) || archs.length !== 1 || typeof archs[0] !== 'string') {
    throw new Error(`config.json: 'architectures' must list exactly one architecture, found ${JSON.stringify(archs)} (supported: ${SUPPORTED_ARCHITECTURES.join(', ')})`);
  }
  return archs[0];
}

/**
 * Builds the module tree a config describes; load weights after. `init: 'seeded'` (default)
 * draws transformers' initial distributions from the seeded generator; `init: 'empty'` fills
 * zeros, for a strict checkpoint load that assigns every parameter (loadPretrainedModel).
 */
export function createModel(config: RawConfig, opts: InitOptions = {}): PretrainedModel {
  const arch = architectureOf(config);
  const make = FACTORIES[arch];
  if (!make) throw new Error(`unsupported architecture '${arch}' (supported: ${SUPPORTED_ARCHITECTURES.join(', ')})`);
  return make(config, opts);
}
