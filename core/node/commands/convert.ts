// `boft convert <adapter-dir> <out-dir> [--model <model-dir>]`: reads a BOFT adapter in any
// supported naming and writes it back in canonical PEFT form. With --model, the adapter is
// also loaded into that model (every shape checked, architecture naming applied) first.
import { parseCli, UsageError, type CliCommand, type CliIO } from './types';
import { readAdapterDir, writeAdapterDir } from '../adapter-fs';
import { adapterNamingFor, canonicalizeAdapter, serializeAdapter, type AdapterFiles, type ParsedAdapter } from '../../io/peft';

const usage = `usage: boft convert <adapter-dir> <out-dir> [--model <model-dir>] [--backend cpu|wasm|auto]

Reads adapter_config.json + adapter_model.safetensors (keys with or without 'base_model.model.',
with or without an adapter name, legacy or transformers-5 module names) and writes them in
PEFT's canonical format to <out-dir>. Without --model the tensors are copied byte for byte.
With --model the adapter is validated against that checkpoint and written as fp32.`;

async function withModel(parsed: ParsedAdapter, modelDir: string, backend: string, io: CliIO): Promise<AdapterFiles> {
  const { initBackend, parseBackend } = await import('../backend');
  const { loadPretrainedModel } = await import('../checkpoint');
  const { fromPretrainedParsed } = await import('../../boft/load');
  await initBackend(parseBackend(backend));
  const { model, config } = loadPretrainedModel(modelDir);
  try {
    const naming = adapterNamingFor(typeof config.model_type === 'string' ? config.model_type : undefined);
    const bm = fromPretrainedParsed(model, parsed, { nameMap: naming.toModel, aliases: naming.aliases });
    for (const w of bm.warnings) io.err(`warning: ${w}`);
    return await serializeAdapter(bm, 'default', naming.toFile);
  } finally {
    model.dispose();
  }
}

export async function convert(inDir: string, outDir: string, io: CliIO, modelDir?: string, backend = 'cpu'): Promise<void> {
  const parsed = await readAdapterDir(inDir);
  const files = modelDir === undefined ? canonicalizeAdapter(parsed) : await withModel(parsed, modelDir, backend, io);
  if (modelDir === undefined) for (const w of parsed.warnings) io.err(`warning: ${w}`);
  await writeAdapterDir(outDir, files);
  io.out(`wrote ${outDir} (${parsed.tensors.size} tensors)`);
}

export const command: CliCommand = {
  name: 'convert',
  summary: 'rewrite a BOFT adapter directory in canonical PEFT format',
  usage,
  async run(argv, io) {
    const { positionals, values } = parseCli(argv, { model: { type: 'string' }, backend: { type: 'string' } });
    if (positionals.length !== 2) throw new UsageError(`expected <adapter-dir> <out-dir>, got ${positionals.length} argument(s)`);
    const model = typeof values.model === 'string' ? values.model : undefined;
    const backend = typeof values.backend === 'string' ? values.backend : 'cpu';
    await convert(positionals[0], positionals[1], io, model, backend);
    return 0;
  },
};
