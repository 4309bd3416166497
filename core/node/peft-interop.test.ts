// Our adapters load in Python PEFT: BOFT adapters with non-identity weights (init_weights=false:
// boft_R ~ N(0, 0.1), boft_s ~ N(1, 0.1)) on the zoo fixtures, m = 1 and m = 2, saved here, are
// loaded by PeftModel.from_pretrained (core/tools/peft-load-check.py, which also checks that
// PEFT's adapter state equals the file), and PEFT's logits equal ours within 1e-5 (max-norm
// relative). Skipped, with the reason, where the reference mirror .venv-ref is absent.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BOFTConfig, type BOFTConfigInput } from '../boft/config';
import { getPeftModel } from '../boft/model';
import { savePretrained } from './adapter-fs';
import { loadPretrainedModel, readInputTensors } from './checkpoint';
import { disposeMap, inputsOf, maxRelError } from '../models/fixture-helpers';
import { zooNamingFor } from '../models/naming';

const ROOT = resolve(fileURLToPath(new URL('../../', import.meta.url)));
const VENV_PY = join(ROOT, '.venv-ref', 'bin', 'python');
const SCRIPT = join(ROOT, 'core', 'tools', 'peft-load-check.py');
const FIXTURES = join(ROOT, 'core', 'testing', 'fixtures', 'models');

interface Case { name: string; arch: string; task: 'sequence-classification' | 'causal-lm'; boft: BOFTConfigInput }

const CASES: Case[] = [
  { name: 'bert_m1', arch: 'bert', task: 'sequence-classification', boft: { target_modules: ['query', 'value'], boft_block_size: 4, boft_n_butterfly_factor: 1 } },
  { name: 'bert_m2', arch: 'bert', task: 'sequence-classification', boft: { target_modules: ['query', 'key', 'output.dense'], boft_block_size: 0, boft_block_num: 4, boft_n_butterfly_factor: 2 } },
  { name: 'llama_m2', arch: 'llama', task: 'causal-lm', boft: { target_modules: ['q_proj', 'v_proj', 'down_proj'], boft_block_size: 2, boft_n_butterfly_factor: 2 } },
];

/** Missing pieces of the reference mirror, or null when it can run PEFT. */
function mirrorProblem(): string | null {
  if (!existsSync(VENV_PY)) return `no reference Python mirror at ${VENV_PY}`;
  const r = spawnSync(VENV_PY, ['-c', 'import torch, peft, transformers, safetensors'], { encoding: 'utf8' });
  return r.status === 0 ? null : `${VENV_PY} lacks torch/peft/transformers/safetensors (${r.stderr.trim().split('\n').pop()})`;
}

const problem = mirrorProblem();

/** Saves each case's adapter and our logits; returns them with the case list for Python. */
async function saveCases(dir: string): Promise<Map<string, Float32Array>> {
  const ours = new Map<string, Float32Array>();
  for (const c of CASES) {
    const { model, config } = loadPretrainedModel(join(FIXTURES, c.arch));
    const bm = getPeftModel(model, new BOFTConfig({ ...c.boft, init_weights: false }), 'default', { seed: 31 });
    bm.eval();
    await savePretrained(bm, join(dir, c.name), 'default', zooNamingFor(config.model_type).toFile);
    const io = readInputTensors(join(FIXTURES, c.arch, 'io-inputs.safetensors'));
    const logits = model.forward(inputsOf(io, false)).logits;
    ours.set(c.name, logits.dataSync() as Float32Array);
    logits.dispose();
    disposeMap(io);
    model.dispose();
  }
  return ours;
}

describe('BOFT Studio adapters in Python PEFT (PeftModel.from_pretrained)', () => {
  if (problem !== null) {
    it.skip(`m = 1 and m = 2 adapters give our logits in PEFT — skipped: ${problem}`, () => {});
    return;
  }
  it('m = 1 and m = 2 adapters give our logits within 1e-5 in PEFT', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'boft-peft-interop-'));
    const ours = await saveCases(dir);
    const cases = CASES.map((c) => ({
      model_dir: join(FIXTURES, c.arch), task: c.task, adapter_dir: join(dir, c.name), m: c.boft.boft_n_butterfly_factor,
      inputs: join(FIXTURES, c.arch, 'io-inputs.safetensors'), out: join(dir, `${c.name}.peft.safetensors`),
    }));
    writeFileSync(join(dir, 'cases.json'), JSON.stringify(cases));
    const r = spawnSync(VENV_PY, [SCRIPT, join(dir, 'cases.json')], { encoding: 'utf8', timeout: 240_000 });
    expect(r.status, r.stderr).toBe(0);
    const errors: Record<string, number> = {};
    for (const c of CASES) {
      const peft = readInputTensors(join(dir, `${c.name}.peft.safetensors`));
      const got = tf.tensor(ours.get(c.name)!, peft.get('logits')!.shape);
      errors[c.name] = maxRelError(got, peft.get('logits')!);
      expect(errors[c.name], c.name).toBeLessThan(1e-5);
      // The adapter is far from the identity: PEFT's adapter-on and -off logits differ.
      expect(maxRelError(peft.get('logits_disabled')!, peft.get('logits')!), c.name).toBeGreaterThan(1e-2);
      got.dispose();
      disposeMap(peft);
    }
    console.log(`max relative error, ours vs PEFT: ${JSON.stringify(errors)}`);
  }, 300_000);
});
