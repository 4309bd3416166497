import * as tf from '@tensorflow/tfjs';
import { initBackend, parseBackend } from '../node/backend';
import { cayley } from '../math/cayley';
import { cayley64, matmul64, randn64, transpose64, identity64, rotationMatrixFromBlocks64 } from '../math/reference64';
import { f32, relMaxErr } from '../math/test-helpers';
import { rotate } from '../math/rotation';

async function main(): Promise<void> {
  await initBackend(parseBackend(process.argv[2] ?? 'wasm'));
  for (const path of ['host', 'device'] as const) {
    for (const [b, sc] of [[8, 3], [32, 2]] as const) {
      const N = 4;
      const R = f32(randn64(N * b * b, 5, sc));
      const Q = cayley(tf.tensor3d(Float32Array.from(R), [N, b, b]), { path }).dataSync();
      let orth = 0;
      for (let n = 0; n < N; n++) {
        const q = Float64Array.from(Q.slice(n * b * b, (n + 1) * b * b));
        const e = matmul64(transpose64(q, b, b), q, b, b, b);
        const I = identity64(b);
        for (let i = 0; i < b; i++) { let row = 0; for (let j = 0; j < b; j++) row += Math.abs(e[i * b + j] - I[i * b + j]); orth = Math.max(orth, row); }
      }
      console.log(`${tf.getBackend()} ${path} b=${b} scale=${sc}: rel err vs cayley64 ${relMaxErr(Q, cayley64(R, b)).toExponential(2)}, ‖QᵀQ−I‖∞ ${orth.toExponential(2)}`);
    }
  }
  const g = { d: 32, k: 8, b: 4, m: 4 };
  const T = 7;
  const Qd = f32(cayley64(randn64(g.m * g.k * g.b * g.b, 3, 0.5), g.b));
  const x = f32(randn64(T * g.d, 4));
  const y = rotate(tf.tensor2d(Float32Array.from(x), [T, g.d]), tf.tensor4d(Float32Array.from(Qd), [g.m, g.k, g.b, g.b]), g).dataSync();
  console.log(`rotate rel err (d=32,b=4,m=4): ${relMaxErr(y, matmul64(x, rotationMatrixFromBlocks64(Qd, g), T, g.d, g.d)).toExponential(2)}`);
}
void main();
