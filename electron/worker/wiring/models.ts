// Opening models through core's model zoo (core/node/checkpoint loadPretrainedModel): any
// Hugging Face-style folder, and the embedded sample (assets/sample/model, a DigitMLP).
import { existsSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { loadPretrainedModel } from '../../../core/node/checkpoint';
import { architectureOf } from '../../../core/models/registry';
import { StudioError } from '../../shared/contract';
import { throwIfCancelled } from '../../shared/dispatcher';
import type { LoadedModel, ModelProvider } from '../ports';

export class CoreModels implements ModelProvider {
  /** `sampleDir` holds model/ (config.json, model.safetensors) and data/. */
  constructor(private readonly sampleDir: string) {}

  /** The sample's DigitMLP is a zoo architecture, so it loads like any model folder. */
  async openSample(signal: AbortSignal): Promise<LoadedModel> {
    const loaded = await this.openFolder(join(this.sampleDir, 'model'), signal);
    return { ...loaded, name: 'Digits sample', source: { kind: 'sample' } };
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
    const modelType = typeof loaded.config.model_type === 'string' ? loaded.config.model_type : undefined;
    return { name, architecture: architectureOf(loaded.config), source: { kind: 'folder', path: dir }, dir, modelType, root, dispose: () => root.dispose() };
  }
}
