// Adapter directories on disk (Node only): PEFT's save_pretrained / from_pretrained /
// load_adapter on top of the runtime-neutral format code in core/io/peft.ts.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Module } from '../nn/module';
import type { BOFTModel } from '../boft/model';
import { fromPretrainedParsed, loadAdapterParsed, type LoadAdapterOptions } from '../boft/load';
import {
  ADAPTER_CONFIG_NAME,
  ADAPTER_WEIGHTS_NAME,
  parseAdapterFiles,
  serializeAdapter,
  type AdapterFiles,
  type NameMap,
  type ParsedAdapter,
} from '../io/peft';

async function readOrExplain(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`cannot read ${what} '${path}'${code ? ` (${code})` : ''}: an adapter directory holds ${ADAPTER_CONFIG_NAME} and ${ADAPTER_WEIGHTS_NAME}`);
  }
}

/** Reads both files of an adapter directory (parsed, validated, nothing allocated on the backend). */
export async function readAdapterDir(dir: string): Promise<ParsedAdapter> {
  const configBytes = await readOrExplain(join(dir, ADAPTER_CONFIG_NAME), 'adapter config');
  const weights = await readOrExplain(join(dir, ADAPTER_WEIGHTS_NAME), 'adapter weights');
  const files: AdapterFiles = {
    configText: configBytes.toString('utf8'),
    weights: new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength),
  };
  return parseAdapterFiles(files, dir);
}

/** Writes both files; each goes to a temporary name first so a crash never leaves a torn file. */
export async function writeAdapterDir(dir: string, files: AdapterFiles): Promise<void> {
  await mkdir(dir, { recursive: true });
  const write = async (name: string, data: string | Uint8Array): Promise<void> => {
    const tmp = join(dir, `.${name}.tmp-${process.pid}`);
    await writeFile(tmp, data);
    await rename(tmp, join(dir, name));
  };
  await write(ADAPTER_WEIGHTS_NAME, files.weights);
  await write(ADAPTER_CONFIG_NAME, files.configText);
}

/** PEFT's save_pretrained for one adapter. `toFile` maps model paths to file paths. */
export async function savePretrained(bm: BOFTModel, dir: string, adapterName = 'default', toFile?: NameMap): Promise<void> {
  await writeAdapterDir(dir, await serializeAdapter(bm, adapterName, toFile));
}

/** PEFT's PeftModel.from_pretrained(model, dir). Collected warnings are in `result.warnings`. */
export async function fromPretrained(model: Module, dir: string, opts: LoadAdapterOptions = {}): Promise<BOFTModel> {
  return fromPretrainedParsed(model, await readAdapterDir(dir), opts);
}

/** PEFT's load_adapter(dir, adapter_name); returns the warnings. */
export async function loadAdapter(bm: BOFTModel, dir: string, adapterName: string, opts: Omit<LoadAdapterOptions, 'adapterName'> = {}): Promise<string[]> {
  return loadAdapterParsed(bm, await readAdapterDir(dir), adapterName, opts);
}
