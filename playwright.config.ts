// Playwright drives Debian's Chromium (never a downloaded browser). Specs start their own
// servers (`boft serve`, or the scripted service) and read the URL it prints.
import { defineConfig } from '@playwright/test';

import { existsSync } from 'node:fs';

export const CHROMIUM = process.env.BOFT_CHROMIUM ?? '/usr/bin/chromium';
/** Frame-time checks run Chromium at foreground priority (see the script); BOFT_E2E_PLAIN=1 turns it off. */
const FOREGROUND = 'e2e/support/chromium-foreground.sh';
const executablePath = process.env.BOFT_E2E_PLAIN === '1' || !existsSync(CHROMIUM) ? CHROMIUM : FOREGROUND;

export default defineConfig({
  testDir: 'e2e',
  testMatch: '*.spec.ts',
  timeout: 180_000,
  workers: 1,
  reporter: [['list']],
  outputDir: 'test-results/e2e',
  use: {
    viewport: { width: 1280, height: 720 },
    launchOptions: {
      executablePath,
      env: { ...process.env, BOFT_CHROMIUM_BIN: CHROMIUM },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
  },
});
