// Where the studio finds its parts and keeps its state, for every way it is started
// (tsx from a checkout, the esbuild bundle in dist/, a packaged app).
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding package.json, found upward from this file (checkout or app.asar). */
export function appRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${from}`);
    dir = up;
  }
}

export function rendererDist(root = appRoot()): string {
  return join(root, 'renderer', 'dist');
}

/** The embedded sample project (base model + data). */
export function sampleDir(root = appRoot()): string {
  return join(root, 'assets', 'sample');
}

/** Per-user state (recent projects, run bundles): BOFT_STUDIO_HOME, else the platform's config dir. */
export function studioHome(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.BOFT_STUDIO_HOME) return resolve(env.BOFT_STUDIO_HOME);
  if (platform === 'win32' && env.APPDATA) return join(env.APPDATA, 'BOFT Studio');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'BOFT Studio');
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'boft-studio');
}
