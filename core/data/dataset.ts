// In-memory datasets, decoded and labelled, ready for a task to batch. Parsing lives in the
// format files beside this one; reading files lives in core/node/datasets.ts.

/** Images as float pixels in [0, 1], channels first. pixels: [N, C, H, W]. */
export interface ImageClassificationData {
  kind: 'image-classification';
  pixels: Float32Array;
  /** [C, H, W] of one example. */
  shape: [number, number, number];
  labels: Int32Array;
  classNames: string[];
}

export interface TextClassificationData {
  kind: 'text-classification';
  texts: string[];
  labels: Int32Array;
  classNames: string[];
}

/** Documents for causal language modelling; the task tokenizes and packs them. */
export interface CausalLmData {
  kind: 'causal-lm';
  docs: string[];
}

export type Dataset = ImageClassificationData | TextClassificationData | CausalLmData;

export function datasetSize(d: Dataset): number {
  switch (d.kind) {
    case 'image-classification':
    case 'text-classification':
      return d.labels.length;
    case 'causal-lm':
      return d.docs.length;
    default: {
      const never: never = d;
      throw new Error(`unknown dataset kind ${JSON.stringify(never)}`);
    }
  }
}

/** A subset (e.g. one side of a split) as a new dataset of the same kind. */
export function subset(d: Dataset, idx: Int32Array): Dataset {
  switch (d.kind) {
    case 'image-classification': {
      const per = d.shape[0] * d.shape[1] * d.shape[2];
      const pixels = new Float32Array(idx.length * per);
      idx.forEach((j, i) => pixels.set(d.pixels.subarray(j * per, (j + 1) * per), i * per));
      return { ...d, pixels, labels: Int32Array.from(idx, (j) => d.labels[j]) };
    }
    case 'text-classification':
      return { ...d, texts: Array.from(idx, (j) => d.texts[j]), labels: Int32Array.from(idx, (j) => d.labels[j]) };
    case 'causal-lm':
      return { ...d, docs: Array.from(idx, (j) => d.docs[j]) };
    default: {
      const never: never = d;
      throw new Error(`unknown dataset kind ${JSON.stringify(never)}`);
    }
  }
}

/**
 * Label names to ids: sorted, so the mapping does not depend on file order. All-integer
 * labels keep their numeric order ("2" < "10").
 */
export function labelVocabulary(names: string[]): string[] {
  const uniq = [...new Set(names)];
  const numeric = uniq.every((s) => /^-?\d+$/.test(s));
  return numeric ? uniq.sort((a, b) => Number(a) - Number(b)) : uniq.sort();
}
