// Conv2DBackpropFilter for backends that lack it (wasm). The filter gradient is itself a
// forward convolution: with batch and channel axes swapped, the padded input convolved with
// dy as the filter at dilation = stride gives dW (cropped to the kernel size). Forward conv
// exists on every backend and is fast on wasm (XNNPACK).
import * as tf from '@tensorflow/tfjs';

const KERNEL = 'Conv2DBackpropFilter';

interface BackpropFilterAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

/**
 * x: [N, H, W, Ci] (NHWC), dy: [N, OH, OW, Co] -> dW: [kh, kw, Ci, Co], by
 * dW[u,v,c,o] = Σ_{n,i,j} xpad[n, i·sh + u, j·sw + v, c] · dy[n, i, j, o].
 */
export function conv2dFilterGradViaForward(x: tf.Tensor4D, dy: tf.Tensor4D, a: BackpropFilterAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw] = a.filterShape;
    const info = tf.backend_util.computeConv2DInfo(x.shape, a.filterShape, a.strides, 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
    const { top, bottom, left, right } = info.padInfo;
    const [sh, sw] = [info.strideHeight, info.strideWidth];
    const xp = tf.pad(x, [[0, 0], [top, bottom], [left, right], [0, 0]]);
    const xT = tf.transpose(xp, [3, 1, 2, 0]); // [Ci, Hp, Wp, N]: channels act as the batch
    const f = tf.transpose(dy, [1, 2, 0, 3]); // [OH, OW, N, Co]: dy acts as the filter
    const g = tf.conv2d(xT, f, 1, 'valid', 'NHWC', [sh, sw]); // [Ci, ≥kh, ≥kw, Co]
    const ci = x.shape[3];
    const co = dy.shape[3];
    return tf.transpose(tf.slice(g, [0, 0, 0, 0], [ci, kh, kw, co]), [1, 2, 0, 3]);
  });
}

function toNhwc(t: tf.Tensor4D, format: 'NHWC' | 'NCHW'): tf.Tensor4D {
  return format === 'NHWC' ? t : tf.transpose(t, [0, 2, 3, 1]);
}

/** Attributes as they read for NHWC data: explicit pads are listed in the data's axis order. */
function attrsNhwc(a: BackpropFilterAttrs): BackpropFilterAttrs {
  if (a.dataFormat === 'NHWC' || !Array.isArray(a.pad)) return { ...a, dataFormat: 'NHWC' };
  const [n, c, h, w] = a.pad;
  return { ...a, dataFormat: 'NHWC', pad: [n, h, w, c] };
}

/** Registers the kernel on `backend` when it has none; calling it again changes nothing. */
export function registerConvKernels(backend: string): void {
  if (tf.getKernel(KERNEL, backend) !== undefined) return;
  tf.registerKernel({
    kernelName: KERNEL,
    backendName: backend,
    // Returning a Tensor (not a bare TensorInfo) hands it to the engine as the output, so
    // the kernel may be written with ops; kernels run with the gradient tape off.
    kernelFunc: ({ inputs, attrs }) => {
      const a = attrs as unknown as BackpropFilterAttrs;
      const x = inputs.x as tf.Tensor4D;
      const dy = inputs.dy as tf.Tensor4D;
      return tf.tidy(() => conv2dFilterGradViaForward(toNhwc(x, a.dataFormat), toNhwc(dy, a.dataFormat), attrsNhwc(a)));
    },
  });
}
