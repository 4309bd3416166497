// Module names across transformers versions. transformers 5.x keeps the legacy names in the
// model.safetensors files it writes (vit.encoder.layer.0.attention.attention.query) but
// renames ViT and DINOv2 modules in memory (vit.layers.0.attention.q_proj, mlp.fc1, …).
// PEFT names adapter keys after in-memory modules, so an adapter trained under 5.x carries the
// new names and one trained under 4.x the legacy ones. Our trees use the file (legacy) names;
// these maps bring the 5.x names to them, and leave legacy names unchanged.
import { registerAdapterNaming, type AdapterNaming } from '../io/peft';

const QKV: Record<string, string> = { q: 'query', k: 'key', v: 'value' };
const identity = (p: string): string => p;

/** ViT, transformers 5.x in-memory → file names (transformers' own rename table, inverted). */
export function vitToFileNames(path: string): string {
  return path
    .replace(/(^|\.)layers\.(\d+)\.attention\.([qkv])_proj(?=\.|$)/, (_m, pre: string, i: string, x: string) => `${pre}layers.${i}.attention.attention.${QKV[x]}`)
    .replace(/(^|\.)layers\.(\d+)\.attention\.o_proj(?=\.|$)/, '$1layers.$2.attention.output.dense')
    .replace(/(^|\.)layers\.(\d+)\.mlp\.fc1(?=\.|$)/, '$1layers.$2.intermediate.dense')
    .replace(/(^|\.)layers\.(\d+)\.mlp\.fc2(?=\.|$)/, '$1layers.$2.output.dense')
    .replace(/(^|\.)layers\.(\d+)(?=\.|$)/, '$1encoder.layer.$2');
}

/** DINOv2 keeps encoder.layer and mlp.fc1/fc2; only the attention projections are renamed. */
export function dinov2ToFileNames(path: string): string {
  return path
    .replace(/(^|\.)attention\.([qkv])_proj(?=\.|$)/, (_m, pre: string, x: string) => `${pre}attention.attention.${QKV[x]}`)
    .replace(/(^|\.)attention\.o_proj(?=\.|$)/, '$1attention.output.dense');
}

/**
 * Per config.json `model_type`. Files are written with the legacy names: they are what
 * checkpoints hold, what PEFT under transformers 4.x writes, and what PEFT 0.21 converts on
 * load under 5.x.
 */
export const ADAPTER_NAMINGS: Record<string, AdapterNaming> = {
  vit: { toModel: vitToFileNames, toFile: identity },
  dinov2: { toModel: dinov2ToFileNames, toFile: identity },
};

export function registerZooNamings(): void {
  for (const [modelType, naming] of Object.entries(ADAPTER_NAMINGS)) registerAdapterNaming(modelType, naming);
}
