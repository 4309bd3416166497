// Preconditions of the browser tests; a missing one skips with a line saying why.
import { existsSync } from 'node:fs';
import { CHROMIUM } from '../../playwright.config';

export const RENDERER_DIST = 'renderer/dist';

export function missingPrerequisite(): string | null {
  if (!existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM}: install Debian's (apt-get install -y chromium) or set BOFT_CHROMIUM`;
  if (!existsSync(`${RENDERER_DIST}/index.html`)) return 'renderer is not built: run `npm run build:renderer` (npm run e2e does it)';
  return null;
}
