// Stateless building blocks with PyTorch semantics. Layers in ./layers wrap these.
import * as tf from '@tensorflow/tfjs';
import { seededUniform } from './init';
import { tidyGrad } from '../math/tidy-grad';
import { columnSum } from '../math/scale';
import { swapLast } from '../math/transpose';

export { conv2d, resolveConvPadding } from './conv';
export type { Conv2dOptions, PaddingMode } from './conv';

type Save = (tensors: tf.Tensor[]) => void;

/**
 * A weight or bias counts as frozen when it is a tf.Variable with trainable = false: it then
 * gets no gradient (not even under tf.grads), and its dense op differentiates w.r.t. the rest
 * only. Values are identical either way; only which products the backward runs changes.
 */
function isFrozen(t: tf.Tensor | undefined): boolean {
  return t instanceof tf.Variable && !t.trainable;
}

export type DenseLayout = 'outIn' | 'inOut'; // torch Linear [out, in] / GPT-2 Conv1D [in, out]

/** The stored weight as the right operand of x @ ·: [in, out] (an explicit copy for 'outIn'). */
export const rightOperand = (w: tf.Tensor, layout: DenseLayout): tf.Tensor2D => (layout === 'outIn' ? swapLast(w) : w) as tf.Tensor2D;

/** x: [N, in], dy: [N, out] -> dL/dW in the stored layout; flag-free matMuls only. */
function weightGrad(x: tf.Tensor2D, dy: tf.Tensor2D, layout: DenseLayout): tf.Tensor2D {
  return layout === 'outIn' ? tf.matMul(swapLast(dy), x) : tf.matMul(swapLast(x), dy);
}

/** dy: [N, out], w stored -> dL/dx = dy @ W_[out, in]: [N, in]. 'outIn' needs no transpose. */
export function inputGrad(dy: tf.Tensor2D, w: tf.Tensor, layout: DenseLayout): tf.Tensor2D {
  return tf.matMul(dy, layout === 'outIn' ? (w as tf.Tensor2D) : (swapLast(w) as tf.Tensor2D));
}

/**
 * x: [N, in] -> x @ W + b: [N, out] as one custom op. On wasm the stock path is slow in three
 * places, all avoided here: a broadcasting tf.add (the bias rides in the fused matMul), the
 * bias gradient's tf.sum over axis 0 (here columnSum: an average pool times N), and the
 * transposes of a frozen [out, in] weight in the backward (dy @ W as stored). Frozen tensors
 * (isFrozen) are closed over instead of being inputs, so they get no gradient.
 */
function denseCore(x: tf.Tensor2D, w: tf.Tensor, bias: tf.Tensor | undefined, layout: DenseLayout): tf.Tensor2D {
  const wTrain = !isFrozen(w);
  const bTrain = bias !== undefined && !isFrozen(bias);
  const inputs = [x, ...(wTrain ? [w] : []), ...(bTrain && bias ? [bias] : [])];
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const xs = args[0] as tf.Tensor2D;
    const ws = wTrain ? (args[1] as tf.Tensor) : w;
    const bs = bTrain ? (args[wTrain ? 2 : 1] as tf.Tensor) : bias;
    save(wTrain ? [xs, ws] : []); // x only feeds dW
    // tidy: tfjs keeps a forward's tensors until the step's backward is done; the weight's
    // transposed copy is needed only here, so it is freed now (a model-sized saving per step).
    const value = tf.tidy(() => {
      const b = rightOperand(ws, layout);
      return bs ? tf.fused.matMul({ a: xs, b, bias: bs }) : tf.matMul(xs, b); // [N, out]
    });
    const gradFunc = tidyGrad((dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const d = dy as tf.Tensor2D;
      const grads: tf.Tensor[] = [inputGrad(d, wTrain ? saved[1] : w, layout)];
      if (wTrain) grads.push(weightGrad(saved[0] as tf.Tensor2D, d, layout));
      if (bTrain) grads.push(columnSum(d));
      return grads;
    });
    return { value, gradFunc };
  });
  return f(...inputs) as tf.Tensor2D;
}

/**
 * y = x Wᵀ + b, as torch.nn.functional.linear. x: [..., in], weight: [out, in], bias: [out].
 * A frozen weight or bias (a tf.Variable with trainable = false) receives no gradient; see
 * denseCore for why the backward is custom.
 */
export function linear(x: tf.Tensor, weight: tf.Tensor, bias?: tf.Tensor): tf.Tensor {
  const [outF, inF] = weight.shape;
  if (weight.rank !== 2 || x.shape[x.rank - 1] !== inF) {
    throw new Error(`linear: input [${x.shape}] does not match weight [${weight.shape}] (input's last dim must equal in_features=${inF})`);
  }
  if (bias && (bias.rank !== 1 || bias.shape[0] !== outF)) {
    throw new Error(`linear: bias [${bias.shape}] must be [${outF}] for weight [${weight.shape}]`);
  }
  return tf.tidy(() => {
    const y = denseCore(tf.reshape(x, [-1, inF]), weight, bias, 'outIn'); // [N, out]
    return tf.reshape(y, [...x.shape.slice(0, -1), outF]);
  });
}

export type GeluApproximate = 'none' | 'tanh';

/** GELU: 'none' is the exact x·Φ(x) with erf; 'tanh' is the tanh approximation (gelu_new). */
export function gelu(x: tf.Tensor, approximate: GeluApproximate = 'none'): tf.Tensor {
  return tf.tidy(() => {
    switch (approximate) {
      case 'none':
        return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
      case 'tanh': {
        // ½x(1 + tanh z) = x·σ(2z), z = √(2/π)(x + 0.044715x³): the same function without the
        // cancellation in 1 + tanh z for z ≪ 0. x³ as x·x·x (torch's pow(x, 3) does the same).
        // On wasm, Pow and Tanh are scalar libm loops (58 ms each at [4, 256, 3072]); Mul and
        // XNNPACK's Sigmoid take 1–3 ms.
        const cube = tf.mul(tf.mul(x, x), x);
        const twoZ = tf.mul(2 * Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, cube)));
        return tf.mul(x, tf.sigmoid(twoZ));
      }
      default: {
        const never: never = approximate;
        throw new Error(`gelu: unknown approximate '${String(never)}'; valid: 'none', 'tanh'`);
      }
    }
  });
}

/** SiLU (swish): x·σ(x). */
export function silu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(x, tf.sigmoid(x)));
}

export function relu(x: tf.Tensor): tf.Tensor {
  return tf.relu(x);
}

export function tanh(x: tf.Tensor): tf.Tensor {
  return tf.tanh(x);
}

/** Normalizes over the last `normalizedShape.length` axes, biased variance, as torch layer_norm. */
export function layerNorm(x: tf.Tensor, normalizedShape: number[], weight: tf.Tensor | undefined, bias: tf.Tensor | undefined, eps: number): tf.Tensor {
  const tail = x.shape.slice(x.rank - normalizedShape.length);
  if (tail.join(',') !== normalizedShape.join(',')) {
    throw new Error(`layerNorm: input [${x.shape}] does not end with normalized_shape [${normalizedShape}]`);
  }
  return tf.tidy(() => {
    const axes = normalizedShape.map((_, i) => x.rank - normalizedShape.length + i);
    const mean = tf.mean(x, axes, true);
    const centered = tf.sub(x, mean);
    const variance = tf.mean(tf.square(centered), axes, true);
    let y = tf.mul(centered, tf.rsqrt(tf.add(variance, eps)));
    if (weight) y = tf.mul(y, weight);
    if (bias) y = tf.add(y, bias);
    return y;
  });
}

/** LLaMA RMSNorm: weight · x / √(mean(x²) + eps) over the last axis, computed in fp32. */
export function rmsNorm(x: tf.Tensor, weight: tf.Tensor | undefined, eps: number): tf.Tensor {
  return tf.tidy(() => {
    const x32 = x.dtype === 'float32' ? x : tf.cast(x, 'float32');
    const ms = tf.mean(tf.square(x32), -1, true);
    const y = tf.mul(x32, tf.rsqrt(tf.add(ms, eps)));
    return weight ? tf.mul(weight, y) : y;
  });
}

/** Keep-mask of x's shape: 1/(1-p) with probability 1-p, else 0, from a seeded plain-JS stream. */
export function dropoutMask(shape: number[], p: number, seed: number): tf.Tensor {
  const next = seededUniform(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  const m = new Float32Array(size);
  const scale = 1 / (1 - p);
  for (let i = 0; i < size; i++) m[i] = next() >= p ? scale : 0;
  return tf.tensor(m, shape, 'float32');
}

/** Inverted dropout as torch: identity unless training; p = 1 zeroes everything. */
export function dropout(x: tf.Tensor, p: number, training: boolean, seed: number): tf.Tensor {
  if (!(p >= 0 && p <= 1)) throw new Error(`dropout: p=${p} must be in [0, 1]`);
  if (!training || p === 0) return tf.clone(x);
  if (p === 1) return tf.zerosLike(x);
  return tf.tidy(() => tf.mul(x, dropoutMask(x.shape, p, seed)));
}

/**
 * Row lookup as torch.nn.functional.embedding: ids (integers, any shape) -> [...ids.shape, dim].
 * Out-of-range ids are an error (read on the host: ids are small and usually come from there).
 */
export function embedding(ids: tf.Tensor, weight: tf.Tensor2D, paddingIdx?: number): tf.Tensor {
  const [num] = weight.shape;
  const values = ids.dataSync();
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < 0 || v >= num) {
      throw new Error(`embedding: index ${v} at position ${i} of ids [${ids.shape}] is out of range for num_embeddings=${num}`);
    }
  }
  return tf.tidy(() => {
    const flat = tf.reshape(ids.dtype === 'int32' ? ids : tf.cast(ids, 'int32'), [-1]) as tf.Tensor1D;
    return tf.reshape(embeddingRows(weight, flat, paddingIdx), [...ids.shape, weight.shape[1]]);
  });
}

/**
 * transformers' Conv1D: y = x W + b with W stored [in, out]. x: [..., in] -> [..., out]. The
 * forward needs no transpose; frozen weight/bias get no gradient, as in linear.
 */
export function conv1dGpt2(x: tf.Tensor, weight: tf.Tensor, bias?: tf.Tensor): tf.Tensor {
  const [inF, outF] = weight.shape;
  if (weight.rank !== 2 || x.shape[x.rank - 1] !== inF) {
    throw new Error(`Conv1D: input [${x.shape}] does not match weight [${weight.shape}] (input's last dim must equal nx=${inF})`);
  }
  if (bias && (bias.rank !== 1 || bias.shape[0] !== outF)) {
    throw new Error(`Conv1D: bias [${bias.shape}] must be [${outF}] for weight [${weight.shape}]`);
  }
  return tf.tidy(() => {
    const y = denseCore(tf.reshape(x, [-1, inF]), weight, bias, 'inOut'); // [N, out]
    return tf.reshape(y, [...x.shape.slice(0, -1), outF]);
  });
}

/**
 * Embedding lookup whose weight gradient is a direct scatter-add (UnsortedSegmentSum), with
 * the padding row's gradient zeroed as torch does for padding_idx.
 * flatIds: [n] int32, weight: [num, dim] -> [n, dim].
 */
export function embeddingRows(weight: tf.Tensor2D, flatIds: tf.Tensor1D, paddingIdx?: number): tf.Tensor2D {
  const f = tf.customGrad((...args: (tf.Tensor | Save)[]) => {
    const [w, save] = args as [tf.Tensor2D, Save];
    save([flatIds]);
    return {
      value: tf.gather(w, flatIds, 0) as tf.Tensor2D,
      gradFunc: tidyGrad((dy: tf.Tensor, saved: tf.Tensor[]) => {
        const ids = saved[0] as tf.Tensor1D;
        const keep = paddingIdx === undefined ? dy : tf.mul(dy, tf.expandDims(tf.cast(tf.notEqual(ids, paddingIdx), 'float32'), 1));
        return [tf.unsortedSegmentSum(keep, ids, w.shape[0])];
      }),
    };
  });
  return f(weight) as tf.Tensor2D;
}
