// Module names across transformers versions: the 5.x in-memory names of ViT/DINOv2 (as PEFT
// writes them into adapters) map onto this tree's file names and back, for every module.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createModel } from './registry';
import { readModelConfig } from '../node/checkpoint';
import { zooNamingFor } from './naming';

const FIXTURES = join(__dirname, '..', 'testing', 'fixtures', 'models');

describe.each(['vit', 'dinov2'])('%s names', (arch) => {
  it('every module path survives tree → 5.x → tree', () => {
    const model = createModel(readModelConfig(join(FIXTURES, arch)));
    const naming = zooNamingFor(arch);
    let renamed = 0;
    for (const [path] of model.namedModules()) {
      for (const alias of naming.aliases(path)) {
        renamed += 1;
        expect(naming.toModel(alias)).toBe(path);
      }
      expect(naming.toModel(path)).toBe(path); // legacy names pass through unchanged
    }
    expect(renamed).toBeGreaterThan(0);
    model.dispose();
  });
});

it('maps the transformers 5.x names to the checkpoint names', () => {
  const vit = zooNamingFor('vit');
  expect(vit.toModel('vit.layers.3.attention.q_proj')).toBe('vit.encoder.layer.3.attention.attention.query');
  expect(vit.toModel('vit.layers.3.attention.o_proj')).toBe('vit.encoder.layer.3.attention.output.dense');
  expect(vit.toModel('vit.layers.0.mlp.fc1')).toBe('vit.encoder.layer.0.intermediate.dense');
  expect(vit.toModel('vit.layers.11.mlp.fc2.base_layer')).toBe('vit.encoder.layer.11.output.dense.base_layer');
  expect(vit.aliases('vit.encoder.layer.1.output.dense')).toEqual(['vit.layers.1.mlp.fc2']);
  const dino = zooNamingFor('dinov2');
  expect(dino.toModel('dinov2.encoder.layer.2.attention.v_proj')).toBe('dinov2.encoder.layer.2.attention.attention.value');
  expect(dino.toModel('dinov2.encoder.layer.2.mlp.fc1')).toBe('dinov2.encoder.layer.2.mlp.fc1');
  expect(zooNamingFor('gpt2').aliases('transformer.h.0.attn.c_attn')).toEqual([]);
});
