// `npm run -s bench:ui`: the real ModuleTree and LineChart in Chromium on a 10,000-module
// tree, a Llama-7B-shaped tree and a 100k-point chart, timing the longest frame of each
// phase. Results go to docs/benchmarks.md; runs only when BOFT_BENCH_UI=1.
import { expect, test, type Page } from '@playwright/test';
import { startScriptedServer } from './support/scripted-service';
import { missingPrerequisite, RENDERER_DIST } from './support/env';
import { writeDocSection } from './support/journey';
import { foregroundChromium, machineLoad } from './support/load';

interface Phase { maxFrameMs: number; frames: number; longTasks: number; maxLongTaskMs: number; wallMs: number }

const phaseNames: [string, string][] = [
  ['treeBuild', 'build the view tree from {modules} module rows (once per model opened)'],
  ['llama7b', 'render a Llama-7B-shaped tree (32 folded layers), expanded: the first tree the page shows, into its empty panel'],
  ['treeRender', 'then render the 10,100-module tree, all expanded (virtualized)'],
  ['treeFilter', 'filter it: 5 successive queries'],
  ['treeScroll', 'scroll through it: 20 jumps'],
  ['chart100k', 'update a chart holding 100k points: 30 frames of +200 points (ends at {points})'],
];

const missing = missingPrerequisite();
test.skip(missing !== null, missing ?? '');
test.skip(process.env.BOFT_BENCH_UI !== '1', 'a benchmark: run it with `npm run -s bench:ui`');

type BenchWindow = { boftBench: { runPhase(n: string): Promise<Phase & { modules: number; chartPoints: number }> } };
const runPhase = (page: Page, name: string) => page.evaluate((n) => (window as unknown as BenchWindow).boftBench.runPhase(n), name);

/** Longest task of the page's main thread while a phase runs: its CPU time (tdur) and wall time. */
interface TaskCost { cpuMs: number; wallMs: number }

/**
 * A second pass on a fresh page with Chromium tracing on: per phase, the longest main-thread
 * task by CPU time. Under load the frame gaps above measure the machine; a task's CPU time
 * is what that frame would cost on an idle one (tracing itself adds a little to it).
 */
async function longestTasks(page: Page, url: string): Promise<Record<string, TaskCost>> {
  await page.goto(url);
  await page.waitForFunction(() => Boolean((window as unknown as { boftBench?: unknown }).boftBench));
  const browser = page.context().browser();
  const out: Record<string, TaskCost> = {};
  for (const [name] of phaseNames) {
    if (!browser) break;
    await browser.startTracing(page, { categories: ['toplevel', 'devtools.timeline'] });
    await runPhase(page, name);
    const events = (JSON.parse((await browser.stopTracing()).toString()) as { traceEvents: TraceEvent[] }).traceEvents;
    const main = events.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
    const tasks = events.filter((e) => main && e.pid === main.pid && e.tid === main.tid && e.ph === 'X' && /RunTask/.test(e.name));
    const top = tasks.reduce<TraceEvent | null>((a, e) => ((e.tdur ?? 0) > (a?.tdur ?? -1) ? e : a), null);
    out[name] = { cpuMs: (top?.tdur ?? NaN) / 1000, wallMs: (top?.dur ?? NaN) / 1000 };
  }
  return out;
}
interface TraceEvent { name: string; ph: string; pid: number; tid: number; dur?: number; tdur?: number; args?: { name?: string } }

test('bench:ui — 10k-module tree and 100k-point chart without a frame over 50 ms', async ({ page }) => {
  const server = await startScriptedServer(RENDERER_DIST);
  try {
    const url = server.url.replace('/?token=', '/bench.html?token=');
    await page.goto(url);
    await page.waitForFunction(() => Boolean((window as unknown as { boftBench?: unknown }).boftBench));
    const raised = foregroundChromium();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    // ThreadTime: CPU seconds of the page's main thread, which other processes on the machine do not inflate.
    const threadTime = async (): Promise<number> => {
      const { metrics } = await cdp.send('Performance.getMetrics');
      return metrics.find((m) => m.name === 'ThreadTime')?.value ?? NaN;
    };
    const r: Record<string, Phase & { cpuMs: number; modules: number; chartPoints: number }> = {};
    for (const [name] of phaseNames) {
      const t0 = await threadTime();
      const res = await runPhase(page, name);
      r[name] = { ...res, cpuMs: ((await threadTime()) - t0) * 1000 };
    }
    const load = machineLoad();
    const longest = await longestTasks(page, url);
    const phases: [string, string][] = phaseNames.map(([k, what]) => [k, what.replaceAll('{modules}', String(r.treeRender.modules)).replace('{points}', String(r.chart100k.chartPoints))]);
    const rows = phases.map(([k, what]) => {
      const p = r[k];
      const work = k === 'treeBuild' || k === 'treeRender' || k === 'llama7b' ? 1 : k === 'treeFilter' ? 5 : k === 'treeScroll' ? 20 : 30;
      const t = longest[k];
      return `| ${what} | ${p.maxFrameMs.toFixed(1)} ms | ${p.longTasks} (longest ${p.maxLongTaskMs.toFixed(0)} ms) | ${t ? `${t.cpuMs.toFixed(1)} ms (wall ${t.wallMs.toFixed(1)} ms)` : '—'} | ${p.cpuMs.toFixed(0)} ms (${(p.cpuMs / work).toFixed(1)} ms per update) | ${p.wallMs.toFixed(0)} ms |`;
    });
    await writeDocSection('docs/benchmarks.md', 'bench:ui', [
      '## bench:ui — studio UI frame times',
      '',
      `\`npm run -s bench:ui\`, ${new Date().toISOString().slice(0, 10)}, Debian Chromium headless via Playwright, this machine (${load.text}; ${raised > 0 ? `Chromium's ${raised} processes at nice −10, so the other test runs sharing the cores count less` : 'Chromium at normal priority'}${load.saturated ? '; saturated by other work, so frame times are upper bounds' : ''}). Longest gap between animation frames while each phase runs; target: no frame over 50 ms. Main-thread CPU is Chromium's ThreadTime metric (CDP) over the phase, which the other processes on the machine do not inflate: per update it is what a frame costs the studio on an idle machine. "Longest task, CPU" comes from a second pass with Chromium tracing on: the main-thread task with the most CPU time in the phase (its wall time beside it), i.e. the longest frame's own work.`,
      '',
      '| phase | longest frame | long tasks | longest task, CPU | main-thread CPU | wall time |',
      '|---|---|---|---|---|---|',
      ...rows,
    ].join('\n'));
    console.log(JSON.stringify({ r, longest }));
    // Every phase is held to the target, the one-off build of the view tree included.
    const worst = Math.max(...phases.map(([k]) => r[k].maxFrameMs));
    if (load.saturated) test.info().annotations.push({ type: 'not asserted', description: `worst frame ${worst.toFixed(0)} ms with ${load.text}` });
    // Frame gaps come in multiples of the 16.7 ms vsync: three intervals read 50.0 ms give or
    // take timestamp rounding (50.002 seen), which is not over 50 ms; four (66.7 ms) are.
    else expect(worst).toBeLessThanOrEqual(50.05);
  } finally {
    await server.close();
  }
});
