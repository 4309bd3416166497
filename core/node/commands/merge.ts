// `boft merge`: folds BOFT adapters into a checkpoint's weights and writes a plain Hugging Face
// checkpoint with the base model's tensor names, shapes and dtypes (merged values rounded to
// the stored dtype, round-to-nearest-even as torch's .to()). Written tensor by tensor.
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { initBackend, parseBackend } from '../backend';
import { INDEX_FILE, SINGLE_FILE, encodeFloats, writeSafetensorsStreaming, type StreamedTensor } from '../checkpoint';
import { loadModelWithAdapters } from './model-adapters';
import { parseCli, UsageError, type CliCommand, type CliIO } from './types';

const usage = `usage: boft merge <model-dir> <adapter-dir>... <out-dir> [--safe-merge] [--backend cpu|wasm|auto]

Merges the adapters (in the order given) into the model and writes <out-dir>/config.json and
<out-dir>/model.safetensors with the base checkpoint's tensor names, shapes and dtypes. Other
files of <model-dir> (tokenizer, preprocessor config, …) are copied. --safe-merge checks every
merged weight for NaN/Inf before anything is written.`;

/** Weight files are rewritten; every other plain file of the model folder is copied. */
function isWeightFile(name: string): boolean {
  return name === INDEX_FILE || /^model(-\d+-of-\d+)?\.safetensors$/.test(name);
}

export async function mergeCheckpoint(modelDir: string, adapterDirs: string[], outDir: string, safeMerge: boolean, backend: string, io: CliIO): Promise<void> {
  if (resolve(outDir) === resolve(modelDir)) throw new Error(`<out-dir> must differ from <model-dir> (${modelDir}): the base checkpoint is not overwritten`);
  await initBackend(parseBackend(backend));
  const { loaded, bm, adapterNames } = await loadModelWithAdapters(modelDir, adapterDirs, io);
  try {
    const merged = bm ? bm.mergeAndUnload({ safeMerge, adapterNames }) : loaded.model;
    const params = new Map(merged.namedParameters());
    const tensors: StreamedTensor[] = [...loaded.report.stored.values()].map((st) => {
      const p = params.get(st.info.name);
      if (!p) throw new Error(`internal: merged model lost parameter '${st.info.name}'`);
      return { name: st.info.name, dtype: st.info.dtype, shape: st.info.shape, bytes: () => encodeFloats(p.dataSync() as Float32Array, st.info.dtype) };
    });
    mkdirSync(outDir, { recursive: true });
    writeSafetensorsStreaming(join(outDir, SINGLE_FILE), tensors, { format: 'pt' });
    for (const name of readdirSync(modelDir)) {
      const src = join(modelDir, name);
      if (!isWeightFile(name) && statSync(src).isFile()) copyFileSync(src, join(outDir, name));
    }
    if (!existsSync(join(outDir, 'config.json'))) throw new Error(`internal: config.json not copied to ${outDir}`);
    io.out(`wrote ${outDir}: ${tensors.length} tensors, ${adapterNames.length} adapter(s) merged into ${loaded.model.typeName}`);
  } finally {
    loaded.model.dispose();
  }
}

export const command: CliCommand = {
  name: 'merge',
  summary: 'merge BOFT adapters into a checkpoint and write it as a Hugging Face folder',
  usage,
  async run(argv, io) {
    const { positionals, values } = parseCli(argv, { 'safe-merge': { type: 'boolean' }, backend: { type: 'string' } });
    if (positionals.length < 3) throw new UsageError(`expected <model-dir> <adapter-dir>... <out-dir>, got ${positionals.length} argument(s)`);
    const [modelDir, ...rest] = positionals;
    const outDir = rest.pop() as string;
    await mergeCheckpoint(modelDir, rest, outDir, values['safe-merge'] === true, typeof values.backend === 'string' ? values.backend : 'auto', io);
    return 0;
  },
};
