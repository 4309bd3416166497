// The studio journey in Chromium against the scripted service (real renderer, contract,
// WebSocket server and token; scripted training and files). See studio-real.spec.ts for
// the same journey on the real core.
import { expect, test } from '@playwright/test';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startScriptedServer } from './support/scripted-service';
import { missingPrerequisite, RENDERER_DIST } from './support/env';
import { foregroundChromium, machineLoad } from './support/load';
import {
  cancelRun, exportAdapter, invalidThenFix, loadExported, mergeFirst, openSampleAndPick, securityProbe, shot,
  responsivenessDoc, startResponsiveness, startRun, stopResponsiveness, watchRun, writeDocSection,
} from './support/journey';

const missing = missingPrerequisite();
test.skip(missing !== null, missing ?? '');

test('studio journey on the scripted service', async ({ browser }) => {
  const server = await startScriptedServer(RENDERER_DIST, 25);
  const fresh = await startScriptedServer(RENDERER_DIST, 25);
  const errors: string[] = [];
  try {
    const page = await browser.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url);
    await expect(page.getByTestId('backend')).toHaveText('wasm');
    expect(await securityProbe(page)).toEqual({ require: 'undefined', process: 'undefined', bridgeKeys: null, boftGlobals: [] });
    await shot(page, '00-home');

    await openSampleAndPick(page);
    await shot(page, '01-config-picked');
    // Keyboard only: walk down to the folded blocks' v_proj and tick it with Space.
    await page.getByTestId('tree-search').fill('');
    await page.getByTestId('module-tree').focus();
    for (const key of ['Home', 'ArrowDown', 'ArrowRight', 'ArrowDown', 'ArrowRight', 'ArrowDown', 'ArrowRight', 'ArrowDown', 'ArrowRight', 'ArrowDown', 'ArrowDown']) {
      await page.keyboard.press(key);
    }
    await expect(page.locator('[role="treeitem"][aria-selected="true"]')).toContainText('v_proj');
    await page.keyboard.press(' ');
    await expect(page.getByTestId('f-target_modules')).toHaveValue(/v_proj/);
    await expect(page.locator('[role="treeitem"][aria-selected="true"]')).toHaveAttribute('aria-checked', 'true');
    const explained = await invalidThenFix(page, 5);
    expect(explained).toMatch(/not divisible by block size 5/);
    await shot(page, '03-config-fixed');

    await startRun(page);
    const raised = foregroundChromium();
    await startResponsiveness(page);
    await watchRun(page, 200);
    const resp = await stopResponsiveness(page);
    await shot(page, '04-training');
    await cancelRun(page);

    const merged = await mergeFirst(page);
    expect(merged.agreement).toMatch(/max \|difference\| = 2\.40e-7/);
    const dir = join(await mkdtemp(join(tmpdir(), 'boft-e2e-')), 'adapter');
    await exportAdapter(page, dir);
    await shot(page, '06-adapters-merged-exported');

    const page2 = await (await browser.newContext()).newPage();
    await page2.goto(fresh.url);
    await page2.getByTestId('btn-open-sample').click();
    const loaded = await loadExported(page2, dir, 'reloaded');
    expect(loaded.params).toBe(merged.params);
    await shot(page2, '07-fresh-studio-loaded');

    const load = machineLoad();
    expect(errors).toEqual([]);
    await writeDocSection('docs/benchmarks.md', 'responsiveness-scripted', responsivenessDoc(resp, load, 'scripted service: 40 train.step events/s plus evals and diagnostics', 200, raised));
    // Frame gaps measure the machine when other processes saturate it, not the studio.
    // A speed target, so it is recorded (docs/benchmarks.md) rather than asserted: a timed
    // assertion on a shared 2-core machine fails on noise, not on regressions.
    test.info().annotations.push({ type: 'responsiveness', description: `longest frame gap ${resp.maxGapMs.toFixed(0)} ms (target < 50) with ${load.text}` });
  } finally {
    await server.close();
    await fresh.close();
  }
});
