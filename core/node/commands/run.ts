// `boft run`: one forward pass of a checkpoint (plus BOFT adapters) on tensors from a
// safetensors file, writing `logits` (and `loss` when labels are given) to another.
import * as tf from '@tensorflow/tfjs';
import { INPUT_NAMES, type InputName, type ModelInputs } from '../../models/types';
import { initBackend, parseBackend } from '../backend';
import { encodeFloats, readInputTensors, writeSafetensorsStreaming } from '../checkpoint';
import { loadModelWithAdapters } from './model-adapters';
import { parseCli, UsageError, type CliCommand, type CliIO } from './types';

const usage = `usage: boft run --model <model-dir> [--adapter <adapter-dir>]... [--merge]
                --input <in.safetensors> --output <out.safetensors> [--backend cpu|wasm|auto]

Runs the model's forward pass. <in.safetensors> holds tensors named like the forward
arguments: pixel_values, or input_ids (+ attention_mask, token_type_ids), optionally labels.
Adapters are applied in the order given (all active); --merge merges them into the weights
first. Writes 'logits' (float32), and 'loss' when labels were given.`;

export interface RunOptions {
  model: string;
  adapters: string[];
  merge: boolean;
  input: string;
  output: string;
  backend: string;
}

function toInputs(tensors: Map<string, tf.Tensor>, file: string): ModelInputs {
  const inputs: ModelInputs = {};
  for (const [name, t] of tensors) {
    if (!(INPUT_NAMES as readonly string[]).includes(name)) {
      throw new Error(`${file}: tensor '${name}' is not a forward argument (valid: ${INPUT_NAMES.join(', ')})`);
    }
    inputs[name as InputName] = t;
  }
  return inputs;
}

export async function runModel(o: RunOptions, io: CliIO): Promise<void> {
  const backend = await initBackend(parseBackend(o.backend));
  const { loaded, bm, adapterNames } = await loadModelWithAdapters(o.model, o.adapters, io);
  const tensors = readInputTensors(o.input);
  try {
    if (o.merge && bm) bm.merge(adapterNames);
    const out = loaded.model.forward(toInputs(tensors, o.input));
    const results: [string, tf.Tensor][] = [['logits', out.logits]];
    if (out.loss) results.push(['loss', tf.reshape(out.loss, [1])]);
    writeSafetensorsStreaming(o.output, results.map(([name, t]) => ({
      name, dtype: 'F32', shape: t.shape.slice(), bytes: () => encodeFloats(t.dataSync() as Float32Array, 'F32'),
    })));
    tf.dispose([out.logits, out.loss, ...results.map(([, t]) => t)]);
    io.out(`wrote ${o.output}: logits [${out.logits.shape.join(', ')}]${out.loss ? ' + loss' : ''} (${loaded.model.typeName}, ${adapterNames.length} adapter(s)${o.merge ? ' merged' : ''}, backend ${backend})`);
  } finally {
    for (const t of tensors.values()) t.dispose();
    loaded.model.dispose();
  }
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

export const command: CliCommand = {
  name: 'run',
  summary: 'forward pass of a checkpoint (+ BOFT adapters) on a safetensors input',
  usage,
  async run(argv, io) {
    const { positionals, values } = parseCli(argv, {
      model: { type: 'string' }, adapter: { type: 'string', multiple: true }, merge: { type: 'boolean' },
      input: { type: 'string' }, output: { type: 'string' }, backend: { type: 'string' },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    for (const req of ['model', 'input', 'output'] as const) {
      if (typeof values[req] !== 'string') throw new UsageError(`--${req} is required`);
    }
    await runModel({
      model: values.model as string, adapters: strings(values.adapter), merge: values.merge === true,
      input: values.input as string, output: values.output as string,
      backend: typeof values.backend === 'string' ? values.backend : 'auto',
    }, io);
    return 0;
  },
};
