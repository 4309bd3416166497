// torch.nn.functional.interpolate(mode='bicubic', align_corners=False) as two small weight
// matrices (it is separable), so resampling a parameter stays differentiable tfjs math.

/** Keys' cubic convolution kernel with A = −0.75, torch's choice. */
function cubicWeights(t: number): [number, number, number, number] {
  const a = -0.75;
  const near = (x: number) => ((a + 2) * x - (a + 3)) * x * x + 1; // |x| ≤ 1
  const far = (x: number) => ((a * x - 5 * a) * x + 8 * a) * x - 4 * a; // 1 < |x| < 2
  return [far(t + 1), near(t), near(1 - t), far(2 - t)];
}

/**
 * W: [outSize, inSize] with out = W · in along one axis. Source coordinates are
 * (dst + 0.5) · in/out − 0.5, not clamped (torch's cubic rule); taps outside are clamped to the edge.
 */
export function bicubicMatrix(inSize: number, outSize: number): Float64Array {
  const w = new Float64Array(outSize * inSize);
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    const src = scale * (o + 0.5) - 0.5;
    const i0 = Math.floor(src);
    const ws = cubicWeights(src - i0);
    for (let k = 0; k < 4; k++) {
      const idx = Math.min(Math.max(i0 - 1 + k, 0), inSize - 1);
      w[o * inSize + idx] += ws[k];
    }
  }
  return w;
}
