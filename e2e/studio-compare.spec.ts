// Run comparison on the real core: two short runs of the embedded sample with different
// BOFT configs (`boft serve`, real trainer), both picked in the run history, then the
// overlaid loss curves (one series per run) and the config diff listing exactly the fields
// that differ.
import { expect, test, type Page } from '@playwright/test';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { missingPrerequisite } from './support/env';
import { shot } from './support/journey';
import { startBoftServe, type Served } from './support/serve';

const missing = missingPrerequisite();
test.skip(missing !== null, missing ?? '');

let served: Served | undefined;
const savedHome = process.env.BOFT_STUDIO_HOME;

test.afterAll(async () => {
  await served?.stop();
  if (savedHome === undefined) delete process.env.BOFT_STUDIO_HOME;
  else process.env.BOFT_STUDIO_HOME = savedHome;
});

/** One epoch of the sample (about 40 steps, well under a second of training), as adapter `name`. */
async function trainOnce(page: Page, name: string): Promise<void> {
  await page.getByTestId('tab-training').click();
  await setField(page, 'h-adapterName', name);
  await expect(page.getByRole('textbox', { name: 'Epochs' })).toHaveValue('1');
  await page.getByTestId('btn-start').click();
  const state = page.getByTestId('run-state');
  // Polls the whole status line, so a run that stalls shows its step and loss in the failure.
  await expect.poll(() => page.getByTestId('run-status').innerText(), { timeout: 180_000 }).toMatch(/^(completed|failed|cancelled)/);
  const why = (await page.locator('.controls [role="alert"]').allInnerTexts()).join(' ');
  expect(`${await state.innerText()} ${why}`.trim()).toBe('completed');
}

async function setField(page: Page, testId: string, value: string): Promise<void> {
  const input = page.getByTestId(testId);
  await input.fill(value);
  await expect(input).toHaveValue(value);
}

test('real: two runs picked in the history show overlaid curves and their config diff', async ({ browser }) => {
  // A throwaway studio home: the runs' bundles do not land in the user's.
  process.env.BOFT_STUDIO_HOME = await mkdtemp(join(tmpdir(), 'boft-e2e-compare-'));
  served = await startBoftServe();
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(served.url);
  await expect(page.getByTestId('backend')).not.toHaveText('—', { timeout: 60_000 });

  await page.getByTestId('btn-open-sample').click();
  await expect(page.getByTestId('module-tree')).toBeVisible({ timeout: 60_000 });
  await page.getByRole('button', { name: 'All linear' }).click();
  await expect(page.getByTestId('f-target_modules')).toHaveValue('fc1, fc2');
  await trainOnce(page, 'b4');

  await page.getByTestId('tab-config').click();
  await setField(page, 'f-boft_block_size', '8');
  await setField(page, 'f-boft_dropout', '0.1');
  await expect(page.getByTestId('fig-trainable')).not.toHaveText('invalid shape');
  await trainOnce(page, 'b8');

  await page.getByTestId('tab-home').click();
  const runs = page.getByTestId('runs');
  await expect(runs.locator('tbody tr')).toHaveCount(2);
  const ids = await runs.locator('tbody tr td:nth-child(2)').allInnerTexts();
  const compare = page.getByRole('button', { name: 'Compare the two picked runs' });
  await expect(compare).toBeDisabled();
  for (const id of ids) await page.getByRole('checkbox', { name: `compare ${id}` }).check();
  await compare.click();

  const cmp = page.getByTestId('comparison');
  await expect(cmp).toBeVisible();
  // The diff lists exactly the two fields changed between the runs, with both values.
  const diff = cmp.getByRole('table', { name: 'Config differences' });
  const rows = await diff.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent)));
  expect(rows).toEqual([['boft_block_size', '4', '8'], ['boft_dropout', '0', '0.1']]);
  // One chart, two series: one loss curve per run.
  const chart = page.getByTestId('chart-compare');
  await expect(chart.locator('.u-legend .u-series .u-label')).toHaveText(['step', `${ids[0]} loss`, `${ids[1]} loss`]);
  // Under the cursor both curves have a value at the same step.
  const box = await chart.locator('.u-over').boundingBox();
  if (!box) throw new Error('the comparison chart has no plot area');
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const values = chart.locator('.u-legend .u-series .u-value');
  await expect(values).toHaveCount(3);
  const shown = await values.allInnerTexts();
  for (const v of shown.slice(1)) expect(Number(v)).toBeGreaterThan(0);
  await cmp.scrollIntoViewIfNeeded();
  await shot(page, 'compare-01-two-runs');
  expect(errors).toEqual([]);
});
