// The sample's base model: a small MLP digit classifier on 8×8 grayscale images, stored as
// a Hugging Face-style folder (config.json + model.safetensors). Its Linear layers have
// in_features 64 and 128, which split into BOFT blocks of 2, 4, 8, 16 or 32.
import * as tf from '@tensorflow/tfjs';
import type { Layer } from '../../nn/module';
import { PretrainedModel, type InputName, type ModelInputs, type ModelOutput } from '../../models/types';
import type { RawConfig } from '../../models/config';
import { Linear } from '../../nn/layers/linear';
import { gelu } from '../../nn/functional';
import { deriveSeed, type InitOptions } from '../../nn/init';
import { loadStateDict } from '../../nn/state';
import { parseSafetensors, tensorsFromFile, tensorsToSafetensors } from '../../io/safetensors';

export const DIGIT_MLP_ARCH = 'DigitMLPForImageClassification';

export interface DigitMlpConfig {
  architectures: [typeof DIGIT_MLP_ARCH];
  model_type: 'digit_mlp';
  image_size: number;
  num_channels: number;
  hidden_size: number;
  num_labels: number;
  hidden_act: 'gelu';
  id2label: Record<string, string>;
  label2id: Record<string, number>;
}

export function digitMlpConfig(imageSize = 8, hidden = 128, labels = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']): DigitMlpConfig & RawConfig {
  return {
    architectures: [DIGIT_MLP_ARCH], model_type: 'digit_mlp', image_size: imageSize, num_channels: 1, hidden_size: hidden,
    num_labels: labels.length, hidden_act: 'gelu',
    id2label: Object.fromEntries(labels.map((l, i) => [String(i), l])), label2id: Object.fromEntries(labels.map((l, i) => [l, i])),
  };
}

/** pixel_values [B, 1, S, S] → flatten → fc1 → GELU → fc2 → GELU → classifier → logits [B, num_labels]. */
export class DigitMLP extends PretrainedModel {
  readonly typeName = DIGIT_MLP_ARCH;
  readonly task = 'image-classification' as const;
  readonly requiredInputs: readonly InputName[] = ['pixel_values'];
  readonly config: DigitMlpConfig & RawConfig;

  constructor(rawConfig: RawConfig, seed = 0, opts: InitOptions = {}) {
    super();
    const config = parseDigitMlpConfig(rawConfig, 'config.json');
    this.config = config;
    const d = config.num_channels * config.image_size * config.image_size;
    const init = opts.init;
    this.registerModule('fc1', new Linear(d, config.hidden_size, { seed: deriveSeed(seed, 1), init }));
    this.registerModule('fc2', new Linear(config.hidden_size, config.hidden_size, { seed: deriveSeed(seed, 2), init }));
    this.registerModule('classifier', new Linear(config.hidden_size, config.num_labels, { seed: deriveSeed(seed, 3), init }));
  }

  private layer(name: string): Layer {
    return this.child(name) as Layer; // children may be BOFT wrappers after getPeftModel
  }

  forward(inputs: ModelInputs): ModelOutput {
    const px = this.requireInput(inputs, 'pixel_values');
    const logits = tf.tidy(() => {
      const x = px.reshape([px.shape[0], -1]); // [B, C·S·S]
      const h1 = gelu(this.layer('fc1').forward(x));
      const h2 = gelu(this.layer('fc2').forward(h1));
      return this.layer('classifier').forward(h2);
    });
    return { logits };
  }
}

/** Checks a parsed config.json; errors name the field and what is expected. */
export function parseDigitMlpConfig(json: unknown, source: string): DigitMlpConfig & RawConfig {
  const c = json as Partial<DigitMlpConfig>;
  if (!c || !Array.isArray(c.architectures) || c.architectures[0] !== DIGIT_MLP_ARCH) {
    throw new Error(`${source}: architectures=${JSON.stringify(c?.architectures)} is not [${DIGIT_MLP_ARCH}]`);
  }
  for (const k of ['image_size', 'num_channels', 'hidden_size', 'num_labels'] as const) {
    if (!Number.isInteger(c[k]) || (c[k] as number) < 1) throw new Error(`${source}: ${k}=${JSON.stringify(c[k])} must be a positive integer`);
  }
  return c as DigitMlpConfig & RawConfig;
}

/** Builds the model from config.json and model.safetensors bytes (strict: every tensor must match). */
export function loadDigitMlp(configJson: unknown, weights: Uint8Array, source: string): DigitMLP {
  const model = new DigitMLP(parseDigitMlpConfig(configJson, `${source}/config.json`) as RawConfig);
  const tensors = tensorsFromFile(parseSafetensors(weights, `${source}/model.safetensors`));
  try {
    loadStateDict(model, tensors, { strict: true });
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    tensors.forEach((t) => t.dispose());
  }
  return model;
}

/** config.json and model.safetensors of a (plain, unadapted) DigitMLP. */
export async function saveDigitMlp(model: DigitMLP): Promise<Map<string, Uint8Array>> {
  const weights = await tensorsToSafetensors(new Map(model.namedParameters()), { format: 'pt' });
  return new Map([
    ['config.json', new TextEncoder().encode(JSON.stringify(model.config, null, 2) + '\n')],
    ['model.safetensors', weights],
  ]);
}
