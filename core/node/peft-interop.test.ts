// Our adapters load in Python PEFT: the adapters of core/node/peft-interop-cases.ts (m = 1 and
// m = 2, non-identity weights, on the zoo fixtures), saved here, are loaded by
// PeftModel.from_pretrained (core/tools/peft-load-check.py, which also checks that PEFT's adapter
// state equals the file), and PEFT's logits equal ours within 1e-5 (max-norm relative). Skipped,
// with the reason, where the reference mirror .venv-ref is absent.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readInputTensors } from './checkpoint';
import { disposeMap, maxRelError } from '../models/fixture-helpers';
import { INTEROP_CASES, writeInteropCases } from './peft-interop-cases';

const ROOT = resolve(fileURLToPath(new URL('../../', import.meta.url)));
const VENV_PY = join(ROOT, '.venv-ref', 'bin', 'python');
const SCRIPT = join(ROOT, 'core', 'tools', 'peft-load-check.py');
const FIXTURES = join(ROOT, 'core', 'testing', 'fixtures', 'models');

/** Missing pieces of the reference mirror, or null when it can run PEFT. */
function mirrorProblem(): string | null {
  if (!existsSync(VENV_PY)) return `no reference Python mirror at ${VENV_PY}`;
  const r = spawnSync(VENV_PY, ['-c', 'import torch, peft, transformers, safetensors'], { encoding: 'utf8' });
  return r.status === 0 ? null : `${VENV_PY} lacks torch/peft/transformers/safetensors (${r.stderr.trim().split('\n').pop()})`;
}

const problem = mirrorProblem();

describe('BOFT Studio adapters in Python PEFT (PeftModel.from_pretrained)', () => {
  if (problem !== null) {
    it.skip(`m = 1 and m = 2 adapters give our logits in PEFT — skipped: ${problem}`, () => {});
    return;
  }
  it('m = 1 and m = 2 adapters give our logits within 1e-5 in PEFT', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'boft-peft-interop-'));
    const { ours } = await writeInteropCases(dir, FIXTURES);
    const r = spawnSync(VENV_PY, [SCRIPT, join(dir, 'cases.json')], { encoding: 'utf8', timeout: 240_000 });
    expect(r.status, r.stderr).toBe(0);
    const errors: Record<string, number> = {};
    for (const c of INTEROP_CASES) {
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
