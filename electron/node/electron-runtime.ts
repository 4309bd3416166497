// Finds the Electron binary the `electron` npm package installed, without throwing: on
// machines where its download failed there is none, and callers fall back or fail fast.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

export type ElectronRuntime = { found: true; path: string } | { found: false; reason: string };

export function findElectronRuntime(env: NodeJS.ProcessEnv = process.env): ElectronRuntime {
  const require = createRequire(import.meta.url);
  let path: unknown;
  try {
    // The package's main module resolves to the binary path (reading its path.txt).
    path = require('electron');
  } catch (e) {
    const why = (e as Error).message.split('\n')[0];
    const skip = env.ELECTRON_SKIP_BINARY_DOWNLOAD ? '; ELECTRON_SKIP_BINARY_DOWNLOAD is set' : '';
    return { found: false, reason: `the electron npm package has no binary: "${why}"${skip}` };
  }
  if (typeof path !== 'string') return { found: false, reason: 'the electron package did not give a binary path' };
  if (!existsSync(path)) return { found: false, reason: `nothing at ${path}` };
  return { found: true, path };
}
