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

/** ViT, tree (file) names → transformers 5.x in-memory names; identity off the encoder. */
export function vitToInMemoryNames(path: string): string {
  return path
    .replace(/(^|\.)encoder\.layer\.(\d+)\.attention\.attention\.(query|key|value)(?=\.|$)/, (_m, pre: string, i: string, x: string) => `${pre}layers.${i}.attention.${x[0]}_proj`)
    .replace(/(^|\.)encoder\.layer\.(\d+)\.attention\.output\.dense(?=\.|$)/, '$1layers.$2.attention.o_proj')
    .replace(/(^|\.)encoder\.layer\.(\d+)\.intermediate\.dense(?=\.|$)/, '$1layers.$2.mlp.fc1')
    .replace(/(^|\.)encoder\.layer\.(\d+)\.output\.dense(?=\.|$)/, '$1layers.$2.mlp.fc2')
    .replace(/(^|\.)encoder\.layer\.(\d+)(?=\.|$)/, '$1layers.$2');
}

export function dinov2ToInMemoryNames(path: string): string {
  return path
    .replace(/(^|\.)attention\.attention\.(query|key|value)(?=\.|$)/, (_m, pre: string, x: string) => `${pre}attention.${x[0]}_proj`)
    .replace(/(^|\.)attention\.output\.dense(?=\.|$)/, '$1attention.o_proj');
}

/** How one architecture's adapters name modules; identity for the architectures not renamed. */
export interface ZooNaming extends AdapterNaming {
  /** Tree path → its other names (for target_modules written under transformers 5.x). */
  aliases: (treePath: string) => string[];
}

function aliasesVia(map: (p: string) => string): (p: string) => string[] {
  return (p) => {
    const other = map(p);
    return other === p ? [] : [other];
  };
}

/**
 * Per config.json `model_type`. Files are written with the legacy names: they are what
 * checkpoints hold and what PEFT under transformers 4.x reads and writes. PEFT 0.21 under
 * transformers 5.18 refuses such an adapter (NoMatchingPeftModuleError on target_modules
 * ['query', 'value'], checked 2026-11); writing for 5.x needs `aliases` for the keys and a
 * rewrite of target_modules, which the adapter serializer would have to do.
 */
export const ZOO_NAMINGS: Record<string, ZooNaming> = {
  vit: { toModel: vitToFileNames, toFile: identity, aliases: aliasesVia(vitToInMemoryNames) },
  dinov2: { toModel: dinov2ToFileNames, toFile: identity, aliases: aliasesVia(dinov2ToInMemoryNames) },
};

export function zooNamingFor(modelType: unknown): ZooNaming {
  return (typeof modelType === 'string' ? ZOO_NAMINGS[modelType] : undefined) ?? { toModel: identity, toFile: identity, aliases: () => [] };
}

export function registerZooNamings(): void {
  for (const [modelType, naming] of Object.entries(ZOO_NAMINGS)) registerAdapterNaming(modelType, { toModel: naming.toModel, toFile: naming.toFile });
}
