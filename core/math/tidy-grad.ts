// A customGrad gradient body run inside tf.tidy.
//
// tfjs runs a customGrad's gradFunc outside any scope of its own and keeps everything it
// creates until the whole gradient computation ends (tape.ts only tidies the per-input
// closures that customGrad hands back). Without this, every transpose and partial product of
// every layer's backward stays alive to the end of the step.
import * as tf from '@tensorflow/tfjs';

export function tidyGrad<A extends unknown[]>(body: (...args: A) => tf.Tensor[]): (...args: A) => tf.Tensor[] {
  return (...args: A): tf.Tensor[] => tf.tidy(() => body(...args));
}
