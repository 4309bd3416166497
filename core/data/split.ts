// Seeded train/validation split: a shuffled index list cut at round(n·fraction).
import { Rng, mixSeed, permutation } from '../train/rng';

export interface Split {
  train: Int32Array;
  validation: Int32Array;
}

export function trainValidationSplit(n: number, validationFraction: number, seed: number): Split {
  if (!(validationFraction > 0 && validationFraction < 1)) {
    throw new Error(`validation_split=${validationFraction} must be in (0, 1)`);
  }
  const nVal = Math.round(n * validationFraction);
  if (nVal < 1 || nVal >= n) throw new Error(`validation_split=${validationFraction} of ${n} examples leaves an empty side`);
  // Salted so the split is independent of the epoch orders drawn from the same seed.
  const p = permutation(n, new Rng(mixSeed(seed, 0x5eed5)));
  const sorted = (a: Int32Array): Int32Array => a.slice().sort();
  return { validation: sorted(p.subarray(0, nVal)), train: sorted(p.subarray(nVal)) };
}
