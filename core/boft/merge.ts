// Merging adapters into base weights, all-or-nothing: every new weight is computed into a
// staging tensor first (and, with safeMerge, checked finite); only when every layer has
// succeeded are the weights assigned. A failure leaves every weight and flag untouched.
import * as tf from '@tensorflow/tfjs';
import type { BOFTLayer } from './layer';

export interface StagedWeight {
  layer: BOFTLayer;
  weight: tf.Tensor;
  /** The layer's mergedAdapters after commit. */
  merged: string[];
}

export type ProgressCallback = (done: number, total: number, path: string) => void;

/** Adapters of `names` this layer has and has not merged yet, in the given order. */
export function adaptersToMerge(layer: BOFTLayer, names: string[]): string[] {
  return names.filter((n) => layer.hasAdapter(n) && !layer.mergedAdapters.includes(n));
}

function assertFinite(layer: BOFTLayer, w: tf.Tensor, names: string[]): void {
  const bad = tf.tidy(() => tf.logicalNot(tf.all(tf.isFinite(w))).dataSync()[0]);
  if (bad) {
    throw new Error(`safe merge: merging adapters [${names.join(', ')}] into layer ${layer.describe()} gives non-finite weights (NaN/Inf); the adapter seems broken, nothing was merged`);
  }
}

function disposeStaged(staged: StagedWeight[]): void {
  for (const s of staged) s.weight.dispose();
}

/** Computes merged weights for all layers; throws (disposing the staging) on any failure. */
export function stageMerge(layers: BOFTLayer[], names: string[], safeMerge: boolean, onProgress?: ProgressCallback): StagedWeight[] {
  const staged: StagedWeight[] = [];
  try {
    layers.forEach((layer, i) => {
      const todo = adaptersToMerge(layer, names);
      if (todo.length > 0) {
        const weight = layer.mergedWeight(todo);
        staged.push({ layer, weight, merged: [...layer.mergedAdapters, ...todo] });
        if (safeMerge) assertFinite(layer, weight, todo);
      }
      onProgress?.(i + 1, layers.length, layer.path);
    });
  } catch (e) {
    disposeStaged(staged);
    throw e;
  }
  return staged;
}

/** Computes unmerged weights (undoing every merged adapter, last merged first). */
export function stageUnmerge(layers: BOFTLayer[]): StagedWeight[] {
  const staged: StagedWeight[] = [];
  try {
    for (const layer of layers) {
      if (layer.mergedAdapters.length === 0) continue;
      staged.push({ layer, weight: layer.unmergedWeight(layer.mergedAdapters), merged: [] });
    }
  } catch (e) {
    disposeStaged(staged);
    throw e;
  }
  return staged;
}

/** Assigns staged weights; cannot fail for staged shapes, so the model never ends half-merged. */
export function commitStaged(staged: StagedWeight[]): void {
  for (const s of staged) {
    s.layer.baseWeight().assign(s.weight);
    s.layer.mergedAdapters = s.merged;
    s.weight.dispose();
  }
}
