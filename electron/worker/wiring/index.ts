// Production StudioDeps: every port backed by core/. This is the one place that decides
// what is wired; a part core does not provide yet answers NOT_WIRED, never made-up numbers.
import type { AppInfo } from '../../shared/schemas';
import type { StudioDeps } from '../ports';
import { nodeAppInfo } from '../../node/app-info';
import { sampleDir, studioHome } from '../../node/paths';
import { FileProjectStore } from '../../node/project-store';
import { coreAdapterFactory } from './adapters';
import { CoreModels } from './models';
import { coreTrainer, DEFAULT_SEED, SAMPLE_DATASET } from './trainer';
import { coreConfigValidator } from './validator';

export interface CoreDepsOptions {
  mode: AppInfo['mode'];
  backend: AppInfo['backend'];
  home?: string;
}

export function createCoreDeps(o: CoreDepsOptions): StudioDeps {
  const home = o.home ?? studioHome();
  return {
    models: new CoreModels(sampleDir()),
    validator: coreConfigValidator,
    adapters: coreAdapterFactory(sampleDir(), SAMPLE_DATASET, DEFAULT_SEED),
    trainer: coreTrainer(home, sampleDir()),
    projects: new FileProjectStore(home),
    appInfo: () => nodeAppInfo(o.mode, o.backend),
    now: () => new Date(),
  };
}
