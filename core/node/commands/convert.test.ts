// `boft convert`: non-canonical adapters come back in PEFT's canonical form; with --model the
// adapter is validated against the checkpoint and written under the file (legacy) names.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURE_ROOT } from '../../testing/node/fixtures';
import { parseSafetensors, serializeSafetensors, type TensorToWrite } from '../../io/safetensors';
import { main } from '../cli';

const tmp = mkdtempSync(join(tmpdir(), 'boft-convert-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function capture(): { io: { out: (l: string) => void; err: (l: string) => void }; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l) => void out.push(l), err: (l) => void err.push(l) }, out, err };
}

/** A copy of a fixture adapter with keys stripped of the prefix, an adapter-name suffix, and an unknown config key. */
function oddCopy(src: string, dst: string): void {
  mkdirSync(dst, { recursive: true });
  const f = parseSafetensors(new Uint8Array(readFileSync(join(src, 'adapter_model.safetensors'))), src);
  const list: TensorToWrite[] = [...f.tensors.values()].map((e) => ({ name: `${e.name.replace('base_model.model.', '')}.default`.replace(/\.(weight|bias)\.default$/, '.$1'), dtype: e.dtype, shape: e.shape, data: e.data }));
  writeFileSync(join(dst, 'adapter_model.safetensors'), serializeSafetensors(list, f.metadata));
  const cfg = JSON.parse(readFileSync(join(src, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dst, 'adapter_config.json'), JSON.stringify({ ...cfg, use_dora: false }));
}

describe('boft convert', () => {
  it('rewrites a non-canonical adapter byte-identically to what PEFT wrote', async () => {
    const src = join(FIXTURE_ROOT, 'boft', 'linear_modules_to_save', 'adapter_default');
    oddCopy(src, join(tmp, 'odd'));
    const { io, out, err } = capture();
    expect(await main(['convert', join(tmp, 'odd'), join(tmp, 'canon')], io)).toBe(0);
    expect(out.join('\n')).toMatch(/wrote .*canon \(4 tensors\)/);
    expect(err).toEqual([`warning: ${join(tmp, 'odd')}/adapter_config.json: ignoring unknown key 'use_dora' (=false)`]);
    expect(readFileSync(join(tmp, 'canon', 'adapter_model.safetensors')).equals(readFileSync(join(src, 'adapter_model.safetensors')))).toBe(true);
    expect(JSON.parse(readFileSync(join(tmp, 'canon', 'adapter_config.json'), 'utf8'))).toEqual(JSON.parse(readFileSync(join(src, 'adapter_config.json'), 'utf8')));
  });

  it('--model: a transformers-5-named ViT adapter is written under the checkpoint (legacy) names', async () => {
    const vit = join(FIXTURE_ROOT, 'models', 'vit');
    const { io } = capture();
    expect(await main(['convert', join(vit, 'adapters', 'm1_block_size'), join(tmp, 'vit'), '--model', vit], io)).toBe(0);
    const keys = (p: string) => [...parseSafetensors(new Uint8Array(readFileSync(join(p, 'adapter_model.safetensors'))), p).tensors.keys()].sort();
    expect(keys(join(tmp, 'vit'))).toEqual(keys(join(vit, 'adapters', 'm1_block_size_legacy_names')));
  });

  it('usage errors exit 2; unknown command exits 2 through the package bin', async () => {
    const { io, err } = capture();
    expect(await main(['convert', 'only-one'], io)).toBe(2);
    expect(err.join('\n')).toMatch(/boft convert: expected <adapter-dir> <out-dir>, got 1 argument\(s\)[\s\S]*usage: boft convert/);
    const help = capture();
    expect(await main(['--help'], help.io)).toBe(0);
    expect(help.out.join('\n')).toMatch(/convert +rewrite a BOFT adapter directory/);
    const r = spawnSync(process.execPath, ['bin/boft.mjs', 'nope'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown command 'nope'; valid: convert/);
  }, 120_000);
});
