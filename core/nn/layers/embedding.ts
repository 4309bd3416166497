// torch.nn.Embedding: weight [num_embeddings, embedding_dim], N(0, 1) init, optional padding_idx.
import * as tf from '@tensorflow/tfjs';
import { Layer, type ModuleInfo } from '../module';
import { embedding } from '../functional';
import { freshSeed, initModeOf, initTensor, seededNormal, type InitOptions } from '../init';

export interface EmbeddingOptions extends InitOptions {
  /** This row starts at zero and receives no gradient, as in torch. */
  paddingIdx?: number;
  seed?: number;
}

/** N(0, 1) weight [n, dim] with the padding row zeroed, as torch initialises it. */
function seededWeight(n: number, dim: number, pad: number | undefined, seed: number | undefined): tf.Tensor {
  const next = seededNormal(seed ?? freshSeed());
  const w = new Float32Array(n * dim);
  for (let i = 0; i < w.length; i++) w[i] = next();
  if (pad !== undefined) w.fill(0, pad * dim, (pad + 1) * dim);
  return tf.tensor2d(w, [n, dim]);
}

export class Embedding extends Layer {
  readonly typeName: string = 'Embedding';
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | undefined;

  constructor(numEmbeddings: number, embeddingDim: number, opts: EmbeddingOptions = {}) {
    super();
    if (!Number.isInteger(numEmbeddings) || !Number.isInteger(embeddingDim) || numEmbeddings < 1 || embeddingDim < 1) {
      throw new Error(`Embedding: num_embeddings=${numEmbeddings}, embedding_dim=${embeddingDim} must be positive integers`);
    }
    // torch accepts a negative padding_idx counted from the end.
    const pad = opts.paddingIdx === undefined ? undefined : opts.paddingIdx < 0 ? numEmbeddings + opts.paddingIdx : opts.paddingIdx;
    if (pad !== undefined && (!Number.isInteger(pad) || pad < 0 || pad >= numEmbeddings)) {
      throw new Error(`Embedding(${numEmbeddings}, ${embeddingDim}): padding_idx=${opts.paddingIdx} must be in [-${numEmbeddings}, ${numEmbeddings})`);
    }
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.paddingIdx = pad;
    const mode = initModeOf(opts, `Embedding(${numEmbeddings}, ${embeddingDim})`);
    // Zeros ('empty') already satisfy the zero padding row.
    this.registerParameter('weight', initTensor(mode, [numEmbeddings, embeddingDim], () => seededWeight(numEmbeddings, embeddingDim, pad, opts.seed)));
  }

  get weight(): tf.Variable {
    return this.param('weight');
  }

  /** ids: integer tensor of any shape -> [...ids.shape, embedding_dim]. */
  forward(ids: tf.Tensor): tf.Tensor {
    return embedding(ids, this.weight as tf.Tensor2D, this.paddingIdx);
  }

  override info(path: string): ModuleInfo {
    return { ...super.info(path), inFeatures: this.numEmbeddings, outFeatures: this.embeddingDim };
  }
}
