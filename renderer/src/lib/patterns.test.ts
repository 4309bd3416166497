import { describe, expect, it } from 'vitest';
import fixture from './fixtures/peft-matching.json';
import { formatTargetText, layerIndexOf, parseTargetText, patternsForSelection, verdictFor, type TargetSpec } from './patterns';

describe('verdictFor against PEFT 0.21 check_target_module_exists (golden fixture)', () => {
  it('agrees on every (config, path) pair', () => {
    let n = 0;
    for (const c of fixture.cases) {
      const spec = c.config as TargetSpec;
      fixture.paths.forEach((path, i) => {
        const v = verdictFor(path, spec);
        const peft = v === 'saved' ? 'excluded' : v === 'layer-filtered' ? 'none' : v;
        expect(peft, `${JSON.stringify(spec)} @ ${path}`).toBe(c.verdicts[i]);
        n++;
      });
    }
    expect(n).toBe(18 * 15);
  });

  it('reads the first numbered segment as the layer index', () => {
    expect(layerIndexOf('model.layers.3.experts.7.w1', null)).toBe(3);
    expect(layerIndexOf('model.layers.3.experts.7.w1', 'experts')).toBe(7);
    expect(layerIndexOf('classifier', null)).toBeNull();
  });
});

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('patternsForSelection', () => {
  const leaves: string[] = [];
  for (let i = 0; i < 6; i++) for (const m of ['attn.q_proj', 'attn.v_proj', 'mlp.fc1', 'mlp.fc2']) leaves.push(`encoder.layers.${i}.${m}`);
  leaves.push('classifier', 'pooler.dense', 'encoder.dense');
  const all = ['encoder', 'encoder.layers', ...leaves];

  it('folds a whole column to one suffix', () => {
    const sel = new Set(leaves.filter((p) => p.endsWith('q_proj')));
    expect(patternsForSelection(sel, all)).toEqual(['q_proj']);
  });

  it('matches exactly the selection for 200 random selections', () => {
    const r = rng(7);
    for (let t = 0; t < 200; t++) {
      const sel = new Set(leaves.filter(() => r() < 0.3));
      const pats = patternsForSelection(sel, all);
      const matched = all.filter((p) => verdictFor(p, { target_modules: pats, exclude_modules: null, modules_to_save: null, layers_to_transform: null, layers_pattern: null }) === 'target');
      expect(new Set(matched)).toEqual(sel);
    }
  });

  it('round-trips the editor text', () => {
    expect(parseTargetText('q_proj, v_proj ,')).toEqual(['q_proj', 'v_proj']);
    expect(parseTargetText('re:.*\\.q_proj')).toBe('.*\\.q_proj');
    expect(parseTargetText('  ')).toBeNull();
    expect(formatTargetText(['a', 'b'])).toBe('a, b');
    expect(formatTargetText('x|y')).toBe('re:x|y');
  });
});
