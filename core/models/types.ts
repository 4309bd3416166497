// The shape every model of the zoo shares: a module tree whose dotted names are the
// checkpoint's tensor names, and a forward that mirrors transformers' signature.
import * as tf from '@tensorflow/tfjs';
import { Module } from '../nn/module';
import type { RawConfig } from './config';

/** Forward arguments by their transformers names (what `boft run --input` holds). */
export interface ModelInputs {
  pixel_values?: tf.Tensor;
  input_ids?: tf.Tensor;
  attention_mask?: tf.Tensor;
  token_type_ids?: tf.Tensor;
  labels?: tf.Tensor;
}

export type InputName = keyof ModelInputs;
export const INPUT_NAMES: readonly InputName[] = ['pixel_values', 'input_ids', 'attention_mask', 'token_type_ids', 'labels'];

export interface ModelOutput {
  logits: tf.Tensor;
  /** Present when labels were given. */
  loss?: tf.Scalar;
}

export type TaskKind = 'image-classification' | 'sequence-classification' | 'causal-lm';

export abstract class PretrainedModel extends Module {
  abstract readonly config: RawConfig;
  abstract readonly task: TaskKind;
  /** Forward arguments this model requires; the others it accepts are optional. */
  abstract readonly requiredInputs: readonly InputName[];
  abstract forward(inputs: ModelInputs): ModelOutput;

  protected requireInput(inputs: ModelInputs, name: InputName): tf.Tensor {
    const t = inputs[name];
    if (!t) throw new Error(`${this.typeName}.forward: missing input '${name}' (required: ${this.requiredInputs.join(', ')})`);
    return t;
  }
}
