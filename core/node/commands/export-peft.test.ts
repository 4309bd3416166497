// The exported PEFT job: files, the studio's split, Python syntax, and (where the local
// reference mirror .venv-ref exists) 2 real PEFT training steps whose adapter loads back
// here and reproduces PEFT's logits.
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { exportPeft } from './export-peft';
import { SAMPLE_PROJECT } from './demo';
import { trainValidationSplit } from '../../data/split';
import { fromPretrained } from '../adapter-fs';
import { loadPretrainedModel } from '../checkpoint';
import { parseSafetensors, toFloat32 } from '../../io/safetensors';

const VENV_PY = resolve(new URL('../../../.venv-ref/bin/python', import.meta.url).pathname);
const hasPython = spawnSync('python3', ['--version']).status === 0;

function exported(): string {
  const dir = mkdtempSync(join(tmpdir(), 'boft-peft-job-'));
  exportPeft(SAMPLE_PROJECT, dir, 4);
  return dir;
}

describe('boft export-peft', () => {
  it('writes the BOFTConfig fields, TrainingArguments, the studio split, accelerate config and README', () => {
    const dir = exported();
    const ex = JSON.parse(readFileSync(join(dir, 'experiment.json'), 'utf8'));
    const project = JSON.parse(readFileSync(SAMPLE_PROJECT, 'utf8'));
    expect(ex.boft).toMatchObject(project.boft);
    const { diagnostics_steps: _d, ...hfArgs } = project.training;
    expect(ex.training).toMatchObject(hfArgs);
    expect('diagnostics_steps' in ex.training).toBe(false);
    const s = trainValidationSplit(1797, 0.3, project.training.seed);
    expect(ex.split.validation).toEqual([...s.validation]);
    expect(ex.split.train).toEqual([...s.train]);
    expect(readFileSync(join(dir, 'accelerate_config.yaml'), 'utf8')).toMatch(/distributed_type: MULTI_GPU\n[\s\S]*num_processes: 4\n/);
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    expect(readme).toContain('accelerate launch --config_file accelerate_config.yaml train.py');
    expect(readme).toContain('torchrun --nproc_per_node=4 train.py');
  });

  it.skipIf(!hasPython)('train.py is valid Python (py_compile)', () => {
    const dir = exported();
    expect(spawnSync('python3', ['-m', 'py_compile', join(dir, 'train.py')], { encoding: 'utf8' }).stderr).toBe('');
  });

  if (!existsSync(VENV_PY)) {
    it.skip(`runs 2 PEFT steps and loads the adapter back — skipped: no reference Python mirror at ${VENV_PY}`, () => {});
    return;
  }
  it('runs 2 PEFT steps (transformers Trainer) and the adapter loads back with PEFT\'s logits', async () => {
    const dir = exported();
    execFileSync(VENV_PY, [join(dir, 'train.py'), '--max-steps', '2', '--cpu', '--output-dir', join(dir, 'out')], { stdio: 'pipe', timeout: 170_000 });
    const adapterDir = join(dir, 'out', 'adapter');
    // PEFT's own forward with its saved adapter, on the first 16 validation examples.
    writeFileSync(join(dir, 'logits.py'), [
      'import json, sys, torch', `sys.path.insert(0, ${JSON.stringify(dir)})`, 'from train import DigitMLP', 'from peft import PeftModel',
      'from safetensors.torch import load_file, save_file',
      `ex = json.load(open(${JSON.stringify(join(dir, 'experiment.json'))}))`,
      "cfg = json.load(open(ex['model_dir'] + '/config.json'))", 'm = DigitMLP(cfg)', "m.load_state_dict(load_file(ex['model_dir'] + '/model.safetensors'))",
      `p = PeftModel.from_pretrained(m, ${JSON.stringify(adapterDir)}).eval()`,
      "x = load_file(ex['dataset']['resolved_path'])['pixel_values'][ex['split']['validation'][:16]]",
      `with torch.no_grad(): save_file({'logits': p(x)['logits'].contiguous()}, ${JSON.stringify(join(dir, 'logits.safetensors'))})`,
    ].join('\n'));
    execFileSync(VENV_PY, [join(dir, 'logits.py')], { stdio: 'pipe', timeout: 120_000 });
    const ref = toFloat32(parseSafetensors(new Uint8Array(readFileSync(join(dir, 'logits.safetensors'))), 'logits').tensors.get('logits')!);
    const ex = JSON.parse(readFileSync(join(dir, 'experiment.json'), 'utf8'));
    const { model } = loadPretrainedModel(ex.model_dir);
    const bm = await fromPretrained(model, adapterDir);
    expect(bm.warnings.join(' ')).toMatch(/butterfly|m=|factor/i); // PEFT on CPU trained m=1 while the config says 2
    const data = parseSafetensors(new Uint8Array(readFileSync(ex.dataset.resolved_path)), 'd').tensors.get('pixel_values')!;
    const all = toFloat32(data);
    const rows = (ex.split.validation as number[]).slice(0, 16);
    const x = tf.tensor4d(Float32Array.from(rows.flatMap((r) => [...all.subarray(r * 64, (r + 1) * 64)])), [16, 1, 8, 8]);
    model.eval();
    const ours = model.forward({ pixel_values: x }).logits.dataSync();
    const scale = Math.max(...ref.map(Math.abs));
    const err = Math.max(...[...ours].map((v, i) => Math.abs(v - ref[i])));
    expect(err / scale).toBeLessThan(1e-5);
    // Two steps moved the adapter: the logits are not the base model's.
    const base = bm.withDisabledAdapters(() => model.forward({ pixel_values: x }).logits.dataSync());
    expect(Math.max(...[...base].map((v, i) => Math.abs(v - ours[i])))).toBeGreaterThan(1e-3);
    x.dispose();
    model.dispose();
  }, 300_000);
});
