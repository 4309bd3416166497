// `npm run -s bench:ui`: the real ModuleTree and LineChart in Chromium on a 10,000-module
// tree, a Llama-7B-shaped tree and a 100k-point chart, timing the longest frame of each
// phase. Results go to docs/benchmarks.md; runs only when BOFT_BENCH_UI=1.
import { expect, test } from '@playwright/test';
import { startScriptedServer } from './support/scripted-service';
import { missingPrerequisite, RENDERER_DIST } from './support/env';
import { writeDocSection } from './support/journey';
import { foregroundChromium, machineLoad } from './support/load';

interface Phase { maxFrameMs: number; frames: number; longTasks: number; maxLongTaskMs: number; wallMs: number }

const phaseNames: [string, string][] = [
  ['treeBuild', 'build the view tree from {modules} module rows (once per model opened)'],
  ['treeRender', 'render the tree, all {modules} modules expanded (virtualized)'],
  ['treeFilter', 'filter it: 5 successive queries'],
  ['treeScroll', 'scroll through it: 20 jumps'],
  ['llama7b', 'render a Llama-7B-shaped tree (32 folded layers), expanded'],
  ['chart100k', 'update a chart holding 100k points: 30 frames of +200 points (ends at {points})'],
];

const missing = missingPrerequisite();
test.skip(missing !== null, missing ?? '');
test.skip(process.env.BOFT_BENCH_UI !== '1', 'a benchmark: run it with `npm run -s bench:ui`');

test('bench:ui — 10k-module tree and 100k-point chart without a frame over 50 ms', async ({ page }) => {
  const server = await startScriptedServer(RENDERER_DIST);
  try {
    await page.goto(server.url.replace('/?token=', '/bench.html?token='));
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
      const res = await page.evaluate((n) => (window as unknown as { boftBench: { runPhase(n: string): Promise<Phase & { modules: number; chartPoints: number }> } }).boftBench.runPhase(n), name);
      r[name] = { ...res, cpuMs: ((await threadTime()) - t0) * 1000 };
    }
    const load = machineLoad();
    const phases: [string, string][] = phaseNames.map(([k, what]) => [k, what.replaceAll('{modules}', String(r.treeRender.modules)).replace('{points}', String(r.chart100k.chartPoints))]);
    const rows = phases.map(([k, what]) => {
      const p = r[k];
      const work = k === 'treeBuild' || k === 'treeRender' || k === 'llama7b' ? 1 : k === 'treeFilter' ? 5 : k === 'treeScroll' ? 20 : 30;
      return `| ${what} | ${p.maxFrameMs.toFixed(1)} ms | ${p.longTasks} (longest ${p.maxLongTaskMs.toFixed(0)} ms) | ${p.cpuMs.toFixed(0)} ms (${(p.cpuMs / work).toFixed(1)} ms per update) | ${p.wallMs.toFixed(0)} ms |`;
    });
    await writeDocSection('docs/benchmarks.md', 'bench:ui', [
      '## bench:ui — studio UI frame times',
      '',
      `\`npm run -s bench:ui\`, ${new Date().toISOString().slice(0, 10)}, Debian Chromium headless via Playwright, this machine (${load.text}; ${raised > 0 ? `Chromium's ${raised} processes at nice −10, so the other test runs sharing the cores count less` : 'Chromium at normal priority'}${load.saturated ? '; saturated by other work, so frame times are upper bounds' : ''}). Longest gap between animation frames while each phase runs; target: no frame over 50 ms. Main-thread CPU is Chromium's ThreadTime metric (CDP) over the phase, which the other processes on the machine do not inflate: per update it is what a frame costs the studio on an idle machine.`,
      '',
      '| phase | longest frame | long tasks | main-thread CPU | wall time |',
      '|---|---|---|---|---|',
      ...rows,
    ].join('\n'));
    console.log(JSON.stringify(r));
    // The target covers rendering, filtering and chart updates; building the view tree is a
    // one-off when a model opens, reported above but not part of it (as before this phase split).
    const worst = Math.max(...phases.filter(([k]) => k !== 'treeBuild').map(([k]) => r[k].maxFrameMs));
    if (load.saturated) test.info().annotations.push({ type: 'not asserted', description: `worst frame ${worst.toFixed(0)} ms with ${load.text}` });
    else expect(worst).toBeLessThan(50);
  } finally {
    await server.close();
  }
});
