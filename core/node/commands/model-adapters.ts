// Shared by `boft run` and `boft merge`: a checkpoint folder plus BOFT adapters, loaded with
// the architecture's naming (transformers 5.x ViT/DINOv2 names accepted), all active in order.
import type { BOFTModel } from '../../boft/model';
import { zooNamingFor } from '../../models/naming';
import { fromPretrained, loadAdapter } from '../adapter-fs';
import { loadPretrainedModel, type LoadedModel } from '../checkpoint';
import type { CliIO } from './types';

export interface ModelWithAdapters {
  loaded: LoadedModel;
  bm?: BOFTModel;
  adapterNames: string[];
}

/**
 * Adapters are named 'default', 'adapter_1', … in the order given; all are made active, so
 * they compose in that order, which is also the order they merge in.
 */
export async function loadModelWithAdapters(modelDir: string, adapterDirs: string[], io: CliIO): Promise<ModelWithAdapters> {
  const loaded = loadPretrainedModel(modelDir);
  try {
    if (adapterDirs.length === 0) return { loaded, adapterNames: [] };
    const naming = zooNamingFor(loaded.config.model_type);
    const opts = { nameMap: naming.toModel, aliases: naming.aliases };
    const bm = await fromPretrained(loaded.model, adapterDirs[0], { ...opts, adapterName: 'default' });
    const names = ['default'];
    for (const [i, dir] of adapterDirs.slice(1).entries()) {
      const name = `adapter_${i + 1}`;
      await loadAdapter(bm, dir, name, opts); // its warnings are collected in bm.warnings
      names.push(name);
    }
    for (const w of bm.warnings) io.err(`warning: ${w}`);
    bm.setAdapter(names);
    bm.eval();
    return { loaded, bm, adapterNames: names };
  } catch (e) {
    loaded.model.dispose();
    throw e;
  }
}
