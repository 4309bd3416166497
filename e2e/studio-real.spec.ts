// The studio journey on the real core: `boft serve --port 0` (the real service, sample model,
// trainer, adapters) driven through the built renderer in Chromium. Serial steps, so the
// report shows exactly which part of the journey works today.
import { expect, test, type Browser, type Page } from '@playwright/test';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { missingPrerequisite } from './support/env';
import {
  cancelRun, exportAdapter, invalidThenFix, loadExported, mergeFirst, openSampleAndPick, responsivenessDoc, securityProbe, shot,
  startResponsiveness, startRun, stopResponsiveness, watchRun, writeDocSection,
} from './support/journey';
import { foregroundChromium, machineLoad } from './support/load';
import { startBoftServe, type Served } from './support/serve';

const missing = missingPrerequisite();
test.skip(missing !== null, missing ?? '');
test.describe.configure({ mode: 'serial' });

let served: Served;
let page: Page;
let merged: { name: string; params: string; agreement: string };
let exportDir: string;
const errors: string[] = [];

test.beforeAll(async ({ browser }: { browser: Browser }) => {
  served = await startBoftServe();
  page = await browser.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
});

test.afterAll(async () => {
  await served?.stop();
});

test('real: the page has no Node and opens the embedded sample', async () => {
  await page.goto(served.url);
  await expect(page.getByTestId('backend')).not.toHaveText('—', { timeout: 60_000 });
  const probe = await securityProbe(page);
  expect(probe.require).toBe('undefined');
  expect(probe.process).toBe('undefined');
  expect(probe.bridgeKeys).toBeNull(); // browser mode: no preload bridge at all
  await openSampleAndPick(page);
  await shot(page, 'real-01-config-picked');
});

test('real: an invalid block size is explained, then fixed', async () => {
  const explained = await invalidThenFix(page, 7);
  expect(explained).toMatch(/block size 7/);
  await shot(page, 'real-03-config-fixed');
});

test('real: training streams into the loss chart without blocking the page', async () => {
  await startRun(page, { epochs: 10_000 });
  const raised = foregroundChromium();
  await startResponsiveness(page);
  await watchRun(page, 10);
  const resp = await stopResponsiveness(page);
  await shot(page, 'real-04-training');
  const load = machineLoad();
  await writeDocSection('docs/benchmarks.md', 'responsiveness-real', responsivenessDoc(resp, load, 'real core via `boft serve`, embedded sample', 10, raised));
  // A speed target, so it is recorded (docs/benchmarks.md) rather than asserted: a timed
  // assertion on a shared 2-core machine fails on noise, not on regressions.
  test.info().annotations.push({ type: 'responsiveness', description: `longest frame gap ${resp.maxGapMs.toFixed(0)} ms (target < 50) with ${load.text}` });
});

test('real: cancel stops the run', async () => {
  await cancelRun(page);
});

test('real: merge, with a confirmation that says what changes', async () => {
  merged = await mergeFirst(page);
});

test('real: the merge reports merged-vs-unmerged agreement on a held-out batch', async () => {
  // Skipped, with the reason, while the service answers agreement: null (its wiring has no held-out batch yet).
  test.fixme(merged.agreement.startsWith('The service ran no'), `the real service returned no agreement check: "${merged.agreement}"`);
  const m = /max \|difference\| = ([0-9.e+-]+)/.exec(merged.agreement);
  expect(m).not.toBeNull();
  expect(Number(m?.[1])).toBeLessThan(1e-4);
});

test('real: export the adapter in PEFT format', async () => {
  exportDir = join(await mkdtemp(join(tmpdir(), 'boft-e2e-real-')), 'adapter');
  await exportAdapter(page, exportDir);
  await shot(page, 'real-06-adapters');
});

test('real: a fresh studio loads the exported adapter and shows the same adapter', async ({ browser }) => {
  await served.stop();
  served = await startBoftServe();
  const page2 = await (await browser.newContext()).newPage();
  await page2.goto(served.url);
  await page2.getByTestId('btn-open-sample').click();
  const loaded = await loadExported(page2, exportDir, 'reloaded');
  expect(loaded.params).toBe(merged.params);
  await shot(page2, 'real-07-fresh-loaded');
  expect(errors).toEqual([]);
});
