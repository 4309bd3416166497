// `npm run dist` without an Electron runtime fails fast with a clear message; with a
// cached zip or a reachable mirror it proceeds. Mirrors are local sockets, no network.
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { electronZipName, preflight } from './dist-preflight';
import { appRoot } from './paths';

const base = { version: '38.8.6', platform: 'linux' as const, arch: 'x64', timeoutMs: 2000 };

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
  const port = (s.address() as { port: number }).port;
  await new Promise((ok) => s.close(ok));
  return port;
}

function emptyDirs() {
  const dir = mkdtempSync(join(tmpdir(), 'boft-dist-'));
  mkdirSync(join(dir, 'cache'));
  return { dir, cache: join(dir, 'cache'), localDist: join(dir, 'no-electron-dist') };
}

describe('dist preflight', () => {
  it('fails fast and says why when no runtime can be had', async () => {
    const d = emptyDirs();
    const port = await closedPort();
    const t0 = Date.now();
    const r = await preflight({ ...base, env: { ELECTRON_CACHE: d.cache, ELECTRON_MIRROR: `http://127.0.0.1:${port}/` }, localDist: d.localDist });
    expect(Date.now() - t0).toBeLessThan(4000);
    expect(r.ok).toBe(false);
    if (r.ok) throw new Error('unreachable');
    expect(r.message).toContain('electron-v38.8.6-linux-x64.zip');
    expect(r.message).toContain(d.localDist);
    expect(r.message).toContain(`http://127.0.0.1:${port}/v38.8.6/electron-v38.8.6-linux-x64.zip is unreachable (ECONNREFUSED)`);
  });

  it('uses a local binary, a cached zip (also in a hashed subfolder) or a reachable mirror', async () => {
    const d = emptyDirs();
    mkdirSync(d.localDist);
    writeFileSync(join(d.localDist, 'electron'), '');
    expect(await preflight({ ...base, env: { ELECTRON_CACHE: d.cache }, localDist: d.localDist })).toEqual({ ok: true, source: 'local', electronDist: d.localDist });
    const e = emptyDirs();
    mkdirSync(join(e.cache, 'a1b2'));
    writeFileSync(join(e.cache, 'a1b2', electronZipName('38.8.6', 'linux', 'x64')), '');
    expect(await preflight({ ...base, env: { ELECTRON_CACHE: e.cache }, localDist: e.localDist })).toMatchObject({ ok: true, source: 'cache' });
    const server = createServer((_req, res) => res.writeHead(200).end());
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const port = (server.address() as { port: number }).port;
    const f = emptyDirs();
    const r = await preflight({ ...base, env: { ELECTRON_CACHE: f.cache, ELECTRON_MIRROR: `http://127.0.0.1:${port}/mirror` }, localDist: f.localDist });
    expect(r).toEqual({ ok: true, source: 'mirror', detail: `http://127.0.0.1:${port}/mirror/v38.8.6/electron-v38.8.6-linux-x64.zip` });
    server.close();
  });

  it('npm run dist exits 1 quickly here, before building anything', async () => {
    const d = emptyDirs();
    const port = await closedPort();
    const root = appRoot();
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(root, 'electron', 'node', 'dist.ts')], {
      env: { ...process.env, ELECTRON_CACHE: d.cache, ELECTRON_MIRROR: `http://127.0.0.1:${port}/` }, encoding: 'utf8', timeout: 30_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^npm run dist: cannot package BOFT Studio here/);
    expect(Date.now() - t0).toBeLessThan(20_000);
  }, 30_000);
});
