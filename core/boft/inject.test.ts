// Target matching against PEFT 0.21's own verdicts (testdata/matching.json, written by
// testdata/make-matching.py with PEFT's check_target_module_exists), plus injection errors.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ModuleDict } from '../nn/layers/containers';
import { Linear, Conv1D } from '../nn/layers/linear';
import type { Module } from '../nn/module';
import { BOFTConfig, type BOFTConfigInput } from './config';
import { checkTargetModuleExists, matchModules, planInjection } from './inject';

interface Row {
  config: BOFTConfigInput;
  verdicts: Record<string, 'matched' | 'unmatched' | 'excluded'>;
}
const rows = JSON.parse(readFileSync(new URL('./testdata/matching.json', import.meta.url), 'utf8')) as Row[];

function tree(spec: Record<string, Module>): ModuleDict<Module> {
  const root = new ModuleDict<Module>();
  for (const [path, leaf] of Object.entries(spec)) {
    const parts = path.split('.');
    let cur = root;
    for (const p of parts.slice(0, -1)) {
      if (!cur.has(p)) cur.set(p, new ModuleDict<Module>());
      cur = cur.get(p) as ModuleDict<Module>;
    }
    cur.set(parts[parts.length - 1], leaf);
  }
  return root;
}

describe('checkTargetModuleExists', () => {
  it('agrees with PEFT on every name x config of the reference grid', () => {
    expect(rows.length).toBeGreaterThan(10);
    for (const row of rows) {
      const cfg = new BOFTConfig(row.config);
      for (const [key, want] of Object.entries(row.verdicts)) {
        expect(checkTargetModuleExists(cfg, key), `${JSON.stringify(row.config)} / ${key}`).toBe(want);
      }
    }
  });
});

describe('planInjection', () => {
  const build = () => tree({ 'h.0.attn.c_attn': new Conv1D(24, 8, { seed: 1 }), 'h.0.mlp.fc': new Linear(8, 8, { seed: 2 }), lm_head: new Linear(8, 5, { seed: 3 }) });

  it("'all-linear' selects Linear and Conv1D except the declared output layer", () => {
    const root = build();
    const r = matchModules(new BOFTConfig({ target_modules: 'all-linear', boft_block_size: 2 }), root, { outputLayerNames: ['lm_head'] });
    expect(r.matched).toEqual(['h.0.attn.c_attn', 'h.0.mlp.fc']);
    root.dispose();
  });

  it('no match: lists candidate names; invalid geometry: names the layer before anything changes', () => {
    const root = build();
    expect(() => planInjection(new BOFTConfig({ target_modules: ['query'] }), root)).toThrow(
      /target_modules=\["query"\] matched no module of the model\. Adaptable modules in this model include: h\.0\.attn\.c_attn, h\.0\.mlp\.fc, lm_head/,
    );
    expect(() => planInjection(new BOFTConfig({ target_modules: ['fc'], exclude_modules: ['fc'] }), root)).toThrow(/no module was targeted: matches were all excluded/);
    expect(() => planInjection(new BOFTConfig({ target_modules: ['fc'], boft_block_size: 3 }), root)).toThrow(
      /BOFT layer 'h\.0\.mlp\.fc' \(Linear, in_features=8\): boft_block_size=3 .*nearest valid boft_block_size .*: 2, 4/,
    );
    expect(() => planInjection(new BOFTConfig({ target_modules: ['h'] }), root)).toThrow(/target module 'h' is a ModuleDict; supported: Linear, Conv1D, Conv2d/);
    root.dispose();
  });
});
