// The studio's main journey, written against what any model shows (type filter, first
// Linear, suggested fixes), so it runs on the scripted service and on the real core alike.
import { expect, type Page } from '@playwright/test';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export const SHOTS = 'e2e/screenshots';

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${SHOTS}/${name}.png` });
}

/** What the page exposes: no Node, and nothing but the contract on the bridge (if any). */
export async function securityProbe(page: Page): Promise<{ require: string; process: string; bridgeKeys: string[] | null; boftGlobals: string[] }> {
  return page.evaluate(() => {
    const w = window as unknown as Record<string, unknown>;
    const bridge = w.boftBridge as Record<string, unknown> | undefined;
    return {
      require: typeof w.require,
      process: typeof w.process,
      bridgeKeys: bridge ? Object.keys(bridge).sort() : null,
      boftGlobals: Object.keys(w).filter((k) => k.toLowerCase().startsWith('boft')),
    };
  });
}

/** Installs a requestAnimationFrame gap monitor and a 'longtask' observer in the page. */
export async function startResponsiveness(page: Page): Promise<void> {
  await page.evaluate(() => {
    const r = { maxGap: 0, frames: 0, longTasks: [] as number[], slow: [] as number[], running: true };
    (window as unknown as { __resp: typeof r }).__resp = r;
    try {
      new PerformanceObserver((l) => l.getEntries().forEach((e) => r.longTasks.push(e.duration))).observe({ type: 'longtask' });
    } catch { /* unsupported */ }
    let last = performance.now();
    const tick = (t: number): void => {
      r.maxGap = Math.max(r.maxGap, t - last);
      if (t - last > 50) r.slow.push(Math.round(t - last));
      r.frames++;
      last = t;
      if (r.running) requestAnimationFrame(tick);
    };
    requestAnimationFrame((t) => { last = t; requestAnimationFrame(tick); });
  });
}

export interface Responsiveness {
  maxGapMs: number;
  frames: number;
  /** Frame gaps over 50 ms, in ms. */
  slowFrames: number[];
  longTasks: number;
  maxLongTaskMs: number;
}

export async function stopResponsiveness(page: Page): Promise<Responsiveness> {
  return page.evaluate(() => {
    const r = (window as unknown as { __resp: { maxGap: number; frames: number; longTasks: number[]; slow: number[]; running: boolean } }).__resp;
    r.running = false;
    return { maxGapMs: r.maxGap, frames: r.frames, slowFrames: r.slow, longTasks: r.longTasks.length, maxLongTaskMs: Math.max(0, ...r.longTasks) };
  });
}

export async function openSampleAndPick(page: Page): Promise<void> {
  await page.getByTestId('btn-open-sample').click();
  await expect(page.getByTestId('module-tree')).toBeVisible({ timeout: 60_000 });
  // Filter to Linear layers, then tick the first Linear row itself (not a container above it).
  await page.getByRole('button', { name: /^Linear \(/ }).click();
  const leaf = page.locator('[role="treeitem"]', { has: page.locator('.type', { hasText: /^Linear$/ }) }).first();
  await leaf.getByRole('checkbox').check();
  await expect(page.getByTestId('f-target_modules')).not.toHaveValue('');
  await expect(page.getByTestId('fig-layers')).not.toHaveText('0');
  await page.getByRole('button', { name: /^Linear \(/ }).click();
}

export async function invalidThenFix(page: Page, bad: number): Promise<string> {
  await page.getByTestId('f-boft_block_size').fill(String(bad));
  const problems = page.getByTestId('block-problems');
  await expect(problems).toBeVisible();
  await expect(problems).toContainText(`block size ${bad}`);
  const explained = (await problems.innerText()).trim();
  await page.getByTestId('module-tree').focus();
  await shot(page, '02-invalid-block-size');
  await problems.getByRole('button', { name: /^block size \d+$/ }).first().click();
  await expect(problems).toBeHidden();
  await expect(page.getByTestId('fig-trainable')).not.toHaveText('invalid shape');
  return explained;
}

/**
 * Starts training and waits for the first step event. `epochs` lengthens the run: the real
 * sample trains 40 steps an epoch in well under a second, and a run that ends before the
 * cancel step leaves nothing to cancel.
 */
export async function startRun(page: Page, opts: { epochs?: number } = {}): Promise<void> {
  await page.getByTestId('tab-training').click();
  if (opts.epochs !== undefined) {
    const epochs = page.getByRole('textbox', { name: 'Epochs' });
    await epochs.fill(String(opts.epochs));
    await expect(epochs).toHaveValue(String(opts.epochs));
  }
  await page.getByTestId('btn-start').click();
  await expect(page.getByTestId('run-state')).toHaveText(/running|starting/, { timeout: 60_000 });
  await expect(page.getByTestId('run-step')).toBeVisible({ timeout: 120_000 });
}

/** Waits for `steps` steps and checks that the loss chart redrew meanwhile. */
export async function watchRun(page: Page, steps: number): Promise<void> {
  const canvas = page.getByTestId('chart-loss').locator('canvas');
  const before = await canvas.evaluate((c: HTMLCanvasElement) => c.toDataURL());
  await expect.poll(async () => Number(await page.getByTestId('run-step').innerText()), { timeout: 120_000 }).toBeGreaterThanOrEqual(steps);
  const after = await canvas.evaluate((c: HTMLCanvasElement) => c.toDataURL());
  expect(after).not.toBe(before);
}

export async function cancelRun(page: Page): Promise<void> {
  await page.getByTestId('btn-cancel').click();
  await expect(page.getByTestId('run-state')).toHaveText('cancelled', { timeout: 120_000 });
}

export async function mergeFirst(page: Page): Promise<{ name: string; params: string; agreement: string }> {
  await page.getByTestId('tab-adapters').click();
  const row = page.getByTestId('adapter-list').locator('tbody tr').first();
  await expect(row).toBeVisible({ timeout: 60_000 });
  const name = (await row.locator('td').first().innerText()).trim();
  const params = (await page.getByTestId(`adapter-params-${name}`).innerText()).trim();
  await page.getByTestId(`act-merge-${name}`).click();
  await expect(page.getByTestId('confirm-effect')).toContainText('folded into the base weights');
  await shot(page, '05-confirm-merge');
  await page.getByTestId('confirm-ok').click();
  await expect(page.getByTestId(`adapter-state-${name}`)).toHaveText(/(^|, )merged$/);
  // The service reports an agreement check, or the page says it ran none.
  const outcome = page.getByTestId('agreement').or(page.getByTestId('agreement-none'));
  await expect(outcome).toBeVisible();
  const agreement = (await outcome.innerText()).trim();
  return { name, params, agreement };
}

export async function exportAdapter(page: Page, dir: string): Promise<void> {
  await page.getByTestId('export-dir').fill(dir);
  await page.getByTestId('btn-export-adapter').click();
  await expect(page.getByTestId('export-done')).toBeVisible({ timeout: 120_000 });
}

export async function loadExported(page: Page, dir: string, name: string): Promise<{ params: string; state: string }> {
  await page.getByTestId('tab-adapters').click();
  await page.getByTestId('load-path').fill(dir);
  await page.getByTestId('load-name').fill(name);
  await page.getByTestId('btn-load').click();
  await expect(page.getByTestId(`adapter-${name}`)).toBeVisible({ timeout: 60_000 });
  return {
    params: (await page.getByTestId(`adapter-params-${name}`).innerText()).trim(),
    state: (await page.getByTestId(`adapter-state-${name}`).innerText()).trim(),
  };
}

/** Replaces (or appends) the section between `<!-- name:start -->` and `<!-- name:end -->`. */
export async function writeDocSection(file: string, name: string, body: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  let text = '';
  try {
    text = await readFile(file, 'utf8');
  } catch {
    text = '# Benchmarks\n';
  }
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const block = `${start}\n${body.trim()}\n${end}`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  text = i >= 0 && j > i ? text.slice(0, i) + block + text.slice(j + end.length) : `${text.trimEnd()}\n\n${block}\n`;
  await writeFile(file, text);
}

/** The docs/benchmarks.md section for one responsiveness measurement. */
export function responsivenessDoc(r: Responsiveness, load: { text: string; saturated: boolean }, stream: string, steps: number, raised: number): string {
  return [
    `## responsiveness: studio main thread while training streams events (${stream})`,
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} in Debian Chromium (headless, 1280×720) during ${steps} streamed steps, from the first step event (the one-off mount of the charts is not counted); ${load.text}; ${raised > 0 ? `Chromium's ${raised} processes at nice −10` : 'Chromium at normal priority'}${load.saturated ? ' — saturated by other work, so the gaps below are an upper bound and were not asserted' : ''}.`,
    '',
    '| measure | value | target |',
    '|---|---|---|',
    `| longest gap between animation frames | ${r.maxGapMs.toFixed(1)} ms | < 50 ms |`,
    `| frames over 50 ms | ${r.slowFrames.length} of ${r.frames}${r.slowFrames.length > 0 ? ` (${r.slowFrames.join(', ')} ms)` : ''} | 0 |`,
    `| long tasks (PerformanceObserver 'longtask') | ${r.longTasks} (longest ${r.maxLongTaskMs.toFixed(0)} ms) | 0 |`,
  ].join('\n');
}
