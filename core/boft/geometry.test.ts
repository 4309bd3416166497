// Per-layer geometry: PEFT's constraints, and errors that name the layer and the nearest valid choices.
import { describe, expect, it } from 'vitest';
import { boftParamCount, isValidPair, validateLayer, validBlockSizes, validBlockNums } from './geometry';

const spec = (boft_block_size: number, boft_block_num: number, boft_n_butterfly_factor: number) => ({ boft_block_size, boft_block_num, boft_n_butterfly_factor });

/** PEFT's update_layer checks, restated as independent predicates (block-size branch). */
function peftAcceptsSize(d: number, b: number, m: number): boolean {
  const f = m - 1;
  if (d % b !== 0) return false;
  if (f !== 0 && (d < b * 2 ** f || d % (b * 2 ** f) !== 0)) return false;
  const k = d / b;
  return f === 0 || (k % 2 === 0 && b % 2 === 0);
}

function peftAcceptsNum(d: number, k: number, m: number): boolean {
  const f = m - 1;
  if (d % k !== 0) return false;
  if (f !== 0 && (f > Math.floor(Math.log2(k)) || k % 2 ** f !== 0)) return false;
  const b = d / k;
  return f === 0 || (k % 2 === 0 && b % 2 === 0);
}

describe('layer geometry', () => {
  it('accepts exactly what PEFT accepts, for every d ≤ 64, size/num ≤ d, m ≤ 5', () => {
    for (let d = 1; d <= 64; d++) {
      for (let m = 1; m <= 5; m++) {
        for (let v = 1; v <= d; v++) {
          expect(validateLayer('l', 'Linear', d, spec(v, 0, m)).ok).toBe(peftAcceptsSize(d, v, m));
          expect(validateLayer('l', 'Linear', d, spec(0, v, m)).ok).toBe(peftAcceptsNum(d, v, m));
        }
      }
    }
  });

  it('derives k, b as PEFT does', () => {
    expect(validateLayer('l', 'Linear', 768, spec(8, 0, 2))).toMatchObject({ ok: true, geometry: { d: 768, k: 96, b: 8, m: 2 } });
    expect(validateLayer('l', 'Linear', 768, spec(0, 4, 3))).toMatchObject({ ok: true, geometry: { d: 768, k: 4, b: 192, m: 3 } });
  });

  it('errors name the layer, in_features, the values given and the nearest valid choices', () => {
    const v = validateLayer('encoder.layer.0.attention.query', 'Linear', 12, spec(8, 0, 1));
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.message).toBe(
      "BOFT layer 'encoder.layer.0.attention.query' (Linear, in_features=12): boft_block_size=8 with boft_n_butterfly_factor=1 is invalid: " +
        'it does not divide 12; nearest valid boft_block_size for this layer with boft_n_butterfly_factor=1: 6, 12 ' +
        '(all valid: boft_block_size in [1, 2, 3, 4, 6, 12], boft_block_num in [1, 2, 3, 4, 6, 12])',
    );
    const w = validateLayer('h.0.mlp', 'Linear', 24, spec(0, 6, 3));
    expect(!w.ok && w.message).toMatch(/boft_block_num=6 with boft_n_butterfly_factor=3 is invalid: with m=3 the block count k=6 must be divisible by 2\^\(m-1\)=4; nearest valid boft_block_num .*: 4, 12/);
    const c = validateLayer('conv', 'Conv2d', 27, spec(4, 0, 1), 'in_channels/groups·kh·kw = 3/1·3·3 ');
    expect(!c.ok && c.message).toMatch(/^BOFT layer 'conv' \(Conv2d, conv filter dim in_channels\/groups·kh·kw = 3\/1·3·3 = 27\): boft_block_size=4/);
    const odd = validateLayer('x', 'Linear', 9, spec(3, 0, 2));
    expect(!odd.ok && odd.message).toMatch(/no block size works with boft_n_butterfly_factor=2; largest valid m: 1/);
  });

  it('valid lists and parameter count', () => {
    expect(validBlockSizes(16, 3)).toEqual([2, 4]);
    expect(validBlockNums(16, 3)).toEqual([4, 8]);
    expect(isValidPair(16, 8, 2, 4)).toBe(true);
    expect(isValidPair(16, 4, 4, 4)).toBe(false);
    expect(boftParamCount({ d: 16, k: 4, b: 4, m: 2 }, 10)).toBe(2 * 4 * 16 + 10);
  });
});
