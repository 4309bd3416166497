// The desktop app through Playwright's Electron driver. Runs where an Electron runtime is
// installed (node_modules/electron/dist); elsewhere every test here is skipped, saying why.
import { test, expect, _electron as electron, type ElectronApplication, type Page } from '@playwright/test';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { findElectronRuntime } from '../electron/node/electron-runtime';

const root = process.cwd();
const runtime = findElectronRuntime();
const bundle = join(root, 'dist', 'electron', 'main', 'main.js');
const renderer = join(root, 'renderer', 'dist', 'index.html');
const missing = !runtime.found
  ? `skipped: no Electron runtime (${runtime.reason}); the Electron e2e needs the binary \`npm install\` downloads, which this machine cannot`
  : !existsSync(bundle) || !existsSync(renderer)
    ? 'skipped: build first with `npm run build` (dist/electron and renderer/dist are missing)'
    : null;

// The list reporter shows only "skipped"; say why where people look.
if (missing !== null && !process.env.TEST_WORKER_INDEX) process.stdout.write(`e2e/electron.spec.ts: ${missing}\n`);

test.describe('BOFT Studio desktop app', () => {
  test.skip(missing !== null, missing ?? '');
  let app: ElectronApplication;
  let page: Page;

  test.beforeAll(async () => {
    app = await electron.launch({ executablePath: runtime.found ? runtime.path : undefined, args: [root], env: { ...process.env, BOFT_STUDIO_HOME: join(root, '.boft-tmp', 'e2e-electron-home') } });
    page = await app.firstWindow();
    await page.waitForLoadState('domcontentloaded');
  });
  test.afterAll(async () => {
    await app?.close();
  });

  test('window is locked down: no Node in the page, only the contract bridge', async () => {
    const globals = await page.evaluate(() => {
      const w = window as unknown as Record<string, unknown>;
      const bridge = w.boftBridge as Record<string, unknown> | undefined;
      return {
        require: typeof w.require,
        process: typeof w.process,
        bridgeKeys: bridge ? Object.keys(bridge).sort() : null,
        ipcRenderer: typeof w.ipcRenderer,
      };
    });
    expect(globals).toEqual({ require: 'undefined', process: 'undefined', bridgeKeys: ['onMessage', 'send'], ipcRenderer: 'undefined' });
    // The webPreferences themselves are asserted in electron/main/main-services.test.ts.
  });

  test('the page reaches the core through IPC and the CSP forbids eval', async () => {
    const info = await page.evaluate(
      () =>
        new Promise((resolve) => {
          const bridge = (window as unknown as { boftBridge: { send(m: unknown): void; onMessage(l: (m: unknown) => void): () => void } }).boftBridge;
          const off = bridge.onMessage((m) => {
            const msg = m as { kind: string; id?: number; result?: unknown };
            if (msg.kind === 'response' && msg.id === 424242) {
              off();
              resolve(msg.result);
            }
          });
          bridge.send({ kind: 'request', id: 424242, method: 'app.info', params: {} });
        }),
    );
    expect(info).toMatchObject({ ok: true, value: { mode: 'electron' } });
    const evalBlocked = await page.evaluate(() => {
      try {
        return new Function('return 1')() !== 1;
      } catch {
        return true;
      }
    });
    expect(evalBlocked).toBe(true);
  });

  test('navigation away from the app is blocked', async () => {
    const before = page.url();
    await page.evaluate(() => {
      window.location.href = 'https://example.com/';
    });
    await page.waitForTimeout(500);
    expect(page.url()).toBe(before);
  });
});
