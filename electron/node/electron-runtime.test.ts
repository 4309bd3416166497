import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { findElectronRuntime } from './electron-runtime';

describe('findElectronRuntime', () => {
  it('reports the installed binary, or says plainly why there is none', () => {
    const r = findElectronRuntime({ ELECTRON_SKIP_BINARY_DOWNLOAD: '1' });
    if (r.found) expect(existsSync(r.path)).toBe(true);
    else expect(r.reason).toMatch(/^(the electron npm package has no binary: ".+"; ELECTRON_SKIP_BINARY_DOWNLOAD is set|nothing at .+)$/);
  });
});
