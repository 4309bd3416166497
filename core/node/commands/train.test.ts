// `boft train` end to end on the sample (few steps): output files, Ctrl-C → checkpoint →
// --resume gives the uninterrupted run's losses exactly.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { trainRun } from './train';
import type { CliIO } from './types';

const sample = resolve(new URL('../../../assets/sample', import.meta.url).pathname);

function runJson(dir: string, extra: Record<string, unknown> = {}, boftExtra: Record<string, unknown> = {}): string {
  const path = join(dir, 'run.json');
  writeFileSync(path, JSON.stringify({
    name: 'test run', model: join(sample, 'model'),
    dataset: { kind: 'image-tensors', path: join(sample, 'data', 'optdigits.safetensors'), validation_split: 0.3 },
    boft: { target_modules: ['fc1', 'fc2'], boft_block_size: 8, boft_n_butterfly_factor: 2, ...boftExtra },
    training: { seed: 5, learning_rate: 0.01, max_steps: 6, per_device_train_batch_size: 16, per_device_eval_batch_size: 600, eval_steps: 2, save_steps: 3, diagnostics_steps: 3, ...extra },
    output_dir: 'out', backend: 'cpu',
  }));
  return path;
}

const quiet: CliIO = { out: () => {}, err: () => {} };

function stepLosses(outDir: string): number[] {
  return readFileSync(join(outDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.type === 'step').map((e) => e.loss);
}

describe('boft train', () => {
  it('writes adapter, metrics.jsonl, loss curve and run bundle', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'boft-train-'));
    const r = await trainRun(runJson(dir), quiet, { progress: false });
    r.model.dispose();
    expect(r.outcome).toBe('completed');
    expect(r.backend).toBe('cpu');
    for (const f of ['adapter/adapter_config.json', 'adapter/adapter_model.safetensors', 'checkpoints/checkpoint-6/trainer_state.json', 'loss_curve.svg']) expect(existsSync(join(r.outDir, f))).toBe(true);
    const types = new Set(readFileSync(join(r.outDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).type));
    expect([...types].sort()).toEqual(['checkpoint', 'diagnostics', 'done', 'eval', 'start', 'step']);
    expect(readFileSync(join(r.outDir, 'loss_curve.svg'), 'utf8')).toMatch(/^<svg[\s\S]*<polyline/);
    const bundle = JSON.parse(readFileSync(join(r.outDir, 'run_bundle.json'), 'utf8'));
    expect(bundle).toMatchObject({ seed: 5, backend: 'cpu', versions: { tfjs: '4.22.0' }, outcome: 'completed' });
    expect(bundle.dataset_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.keys(bundle.base_model_sha256)).toEqual(['config.json', 'model.safetensors']);
    expect(bundle.metrics_after.eval_loss).toBeLessThan(bundle.metrics_before.eval_loss);
  }, 60_000);

  // With dropout the generators' states travel in the checkpoint, so it is exact too.
  it.each([0, 0.25])('Ctrl-C saves a checkpoint; --resume continues with the uninterrupted losses (boft_dropout=%s)', async (p) => {
    const ref = mkdtempSync(join(tmpdir(), 'boft-train-ref-'));
    const full = await trainRun(runJson(ref, {}, { boft_dropout: p }), quiet, { progress: false });
    full.model.dispose();
    const dir = mkdtempSync(join(tmpdir(), 'boft-train-int-'));
    let sent = false;
    const interrupting: CliIO = { out: () => {}, err: (l) => { if (!sent && l.startsWith('eval @ 2')) { sent = true; process.emit('SIGINT'); } } };
    const cut = await trainRun(runJson(dir, {}, { boft_dropout: p }), interrupting, { progress: false, handleSigint: true });
    cut.model.dispose();
    expect(cut.outcome).toBe('cancelled');
    expect(existsSync(join(dir, 'out', 'checkpoints', 'checkpoint-2', 'adapter_model.safetensors'))).toBe(true);
    const messages: string[] = [];
    const resumed = await trainRun(runJson(dir, {}, { boft_dropout: p }), { out: () => {}, err: (l) => messages.push(l) }, { progress: false, resume: true });
    resumed.model.dispose();
    expect(resumed.outcome).toBe('completed');
    expect(messages).toContain('resumed from checkpoint-2');
    expect(messages.filter((l) => l.startsWith('warning'))).toEqual([]);
    expect(stepLosses(resumed.outDir)).toEqual(stepLosses(full.outDir));
  }, 60_000);
});
