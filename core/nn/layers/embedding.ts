// torch.nn.Embedding: weight [num_embeddings, embedding_dim], N(0, 1) init, optional padding_idx.
import * as tf from '@tensorflow/tfjs';
import { Layer, type ModuleInfo } from '../module';
import { embedding } from '../functional';
import { freshSeed, seededNormal } from '../init';

export interface EmbeddingOptions {
  /** This row starts at zero and receives no gradient, as in torch. */
  paddingIdx?: number;
  seed?: number;
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
    const next = seededNormal(opts.seed ?? freshSeed());
    const w = new Float32Array(numEmbeddings * embeddingDim);
    for (let i = 0; i < w.length; i++) w[i] = next();
    if (pad !== undefined) w.fill(0, pad * embeddingDim, (pad + 1) * embeddingDim);
    this.registerParameter('weight', tf.tensor2d(w, [numEmbeddings, embeddingDim]));
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
