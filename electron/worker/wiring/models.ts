// Opening models through core: the embedded sample (assets/sample/model, a DigitMLP) and
// Hugging Face-style folders through the model zoo (core/node/checkpoint loadPretrainedModel).
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { loadPretrainedModel } from '../../../core/node/checkpoint';
import { architectureOf } from '../../../core/models/registry';
import { DIGIT_MLP_ARCH, loadDigitMlp } from '../../../core/train/sample/digit-mlp';
import { StudioError } from '../../shared/contract';
import { throwIfCancelled } from '../../shared/dispatcher';
import type { LoadedModel, ModelProvider } from '../ports';

export class CoreModels implements ModelProvider {
  /** `sampleDir` holds model/ (config.json, model.safetensors) and data/. */
  constructor(private readonly sampleDir: string) {}

  async openSample(signal: AbortSignal): Promise<LoadedModel> {
    const dir = join(this.sampleDir, 'model');
    const [config, weights] = await Promise.all([readFile(join(dir, 'config.json'), 'utf8'), readFile(join(dir, 'model.safetensors'))]);
    throwIfCancelled(signal, 'opening the sample');
    const root = loadDigitMlp(JSON.parse(config), new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength), dir);
    return { name: 'Digits sample', architecture: DIGIT_MLP_ARCH, source: { kind: 'sample' }, root, dispose: () => root.dispose() };
  }

  async openFolder(path: string, signal: AbortSignal): Promise<LoadedModel> {
    const dir = resolve(path);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new StudioError('NOT_FOUND', `no model folder at ${dir}`);
    if (!existsSync(join(dir, 'config.json'))) {
      throw new StudioError('NOT_FOUND', `${dir} has no config.json; a model folder holds config.json and model.safetensors (or a sharded index)`);
    }
    throwIfCancelled(signal, 'opening the model');
    let loaded: ReturnType<typeof loadPretrainedModel>;
    try {
      loaded = loadPretrainedModel(dir);
    } catch (e) {
      throw new StudioError('IO', `cannot open ${dir}: ${(e as Error).message}`);
    }
    const root = loaded.model;
    const name = typeof loaded.config._name_or_path === 'string' && loaded.config._name_or_path ? loaded.config._name_or_path : basename(dir);
    return { name, architecture: architectureOf(loaded.config), source: { kind: 'folder', path: dir }, root, dispose: () => root.dispose() };
  }
}
