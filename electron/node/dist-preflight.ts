// `npm run dist` must fail fast, not hang, where electron-builder cannot get an Electron
// runtime to package: no local binary, nothing in the Electron cache, mirror unreachable.
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface PreflightInput {
  version: string;
  platform: NodeJS.Platform;
  arch: string;
  env: NodeJS.ProcessEnv;
  /** node_modules/electron/dist of this checkout. */
  localDist: string;
  timeoutMs?: number;
}

export type PreflightResult =
  | { ok: true; source: 'local'; electronDist: string }
  | { ok: true; source: 'cache' | 'mirror'; detail: string }
  | { ok: false; message: string };

export function electronZipName(version: string, platform: string, arch: string): string {
  return `electron-v${version}-${platform}-${arch}.zip`;
}

export function electronCacheRoot(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string {
  if (env.ELECTRON_CACHE) return env.ELECTRON_CACHE;
  if (platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'electron');
  if (platform === 'win32') return join(env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'electron', 'Cache');
  return join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'electron');
}

/** @electron/get keeps zips in the cache root or in one hashed subfolder per URL. */
function findCachedZip(root: string, zip: string): string | null {
  if (!existsSync(root)) return null;
  if (existsSync(join(root, zip))) return join(root, zip);
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (entry.isDirectory() && existsSync(join(root, entry.name, zip))) return join(root, entry.name, zip);
  }
  return null;
}

export function mirrorUrl(env: NodeJS.ProcessEnv, version: string, zip: string): string {
  const mirror = env.ELECTRON_MIRROR ?? 'https://github.com/electron/electron/releases/download/';
  return `${mirror.endsWith('/') ? mirror : `${mirror}/`}v${version}/${zip}`;
}

async function reachable(url: string, timeoutMs: number): Promise<string | null> {
  try {
    const res = await fetch(url, { method: 'HEAD', redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    return res.status < 400 ? null : `HTTP ${res.status}`;
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    return err.name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : (err.cause?.code ?? err.cause?.message ?? err.message);
  }
}

export async function preflight(i: PreflightInput): Promise<PreflightResult> {
  if (existsSync(i.localDist) && readdirSync(i.localDist).length > 0) return { ok: true, source: 'local', electronDist: i.localDist };
  const zip = electronZipName(i.version, i.platform, i.arch);
  const cacheRoot = electronCacheRoot(i.env, i.platform);
  const cached = findCachedZip(cacheRoot, zip);
  if (cached) return { ok: true, source: 'cache', detail: cached };
  const url = mirrorUrl(i.env, i.version, zip);
  const timeoutMs = i.timeoutMs ?? 5000;
  const problem = await reachable(url, timeoutMs);
  if (problem === null) return { ok: true, source: 'mirror', detail: url };
  return {
    ok: false,
    message:
      `npm run dist: cannot package BOFT Studio here: electron-builder needs Electron ${i.version} for ${i.platform}-${i.arch}, and ` +
      `${i.localDist} is missing, ${zip} is not in the Electron cache (${cacheRoot}), and ${url} is unreachable (${problem}). ` +
      'Run it where that download works, or set ELECTRON_MIRROR / ELECTRON_CACHE. Browser mode needs none of this: npm run boft -- serve',
  };
}
