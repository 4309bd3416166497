// Generator states that live in the model rather than in the trainer: each BOFT adapter with
// boft_dropout > 0 draws its dropped blocks from its own generator, so a checkpoint must carry
// those states for a resumed run to drop the same blocks as the uninterrupted one.
import { BOFTLayer } from '../boft/layer';
import type { Module } from '../nn/module';

const PREFIX = 'boft_dropout/';

interface Generator {
  layer: BOFTLayer;
  adapter: string;
}

/** Key of one adapter's dropout generator: `boft_dropout/<module path>/<adapter>`. */
export function dropoutRngKey(path: string, adapter: string): string {
  return `${PREFIX}${path}/${adapter}`;
}

/** Every adapter of `model` that draws dropout, by key. */
function dropoutGenerators(model: Module): Map<string, Generator> {
  const out = new Map<string, Generator>();
  for (const [path, m] of model.namedModules()) {
    if (!(m instanceof BOFTLayer)) continue;
    for (const adapter of m.adapterNames()) {
      if (m.dropoutRate(adapter) > 0) out.set(dropoutRngKey(path, adapter), { layer: m, adapter });
    }
  }
  return out;
}

/** The current states of the model's dropout generators. */
export function captureRngStates(model: Module): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, g] of dropoutGenerators(model)) out[key] = g.layer.dropoutRngState(g.adapter);
  return out;
}

/**
 * Checks that `saved` holds exactly the model's dropout generators (throws naming the layers
 * otherwise, changing nothing) and returns a function that installs them.
 */
export function prepareRngRestore(model: Module, saved: Record<string, number>, where: string, version: number): () => void {
  const gens = dropoutGenerators(model);
  const savedKeys = Object.keys(saved).filter((k) => k.startsWith(PREFIX));
  const missing = [...gens.keys()].filter((k) => !(k in saved));
  if (missing.length > 0 && version < 2) {
    throw new Error(`checkpoint ${where} is a version-${version} trainer state, which does not store the BOFT dropout generators; this run has boft_dropout > 0 on ${missing.map(label).join(', ')}, so it cannot resume exactly. Start the run again, or use the checkpoint's adapter files as a starting adapter`);
  }
  if (missing.length > 0) {
    throw new Error(`checkpoint ${where} has no dropout generator state for ${missing.map(label).join(', ')} (it stores: ${savedKeys.map(label).join(', ') || 'none'}); was it made with another boft_dropout or target_modules?`);
  }
  const extra = savedKeys.filter((k) => !gens.has(k));
  if (extra.length > 0) {
    throw new Error(`checkpoint ${where} has dropout generator state for ${extra.map(label).join(', ')}, which in this run ${extra.length === 1 ? 'is' : 'are'} not a BOFT adapter with boft_dropout > 0; was it made with another boft_dropout or target_modules?`);
  }
  return () => {
    for (const [key, g] of gens) g.layer.setDropoutRngState(g.adapter, saved[key]);
  };
}

/** `boft_dropout/a.b/default` → `layer 'a.b' adapter 'default'`. */
function label(key: string): string {
  const rest = key.slice(PREFIX.length);
  const cut = rest.lastIndexOf('/');
  return `layer '${rest.slice(0, cut)}' adapter '${rest.slice(cut + 1)}'`;
}
