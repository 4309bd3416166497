import { chromium } from '@playwright/test';
import { startScriptedServer } from './e2e/support/scripted-service';
const dist = process.argv[2] ?? '/tmp/uiperf-dist';
const server = await startScriptedServer(dist);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
await page.goto(server.url.replace('/?token=', '/bench.html?token='));
await page.waitForFunction(() => Boolean((window as any).boftBench));
const cdp = await page.context().newCDPSession(page);
await cdp.send('Profiler.enable');
await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
for (const name of ['treeBuild', 'treeRender', 'treeFilter', 'treeScroll', 'llama7b', 'chart100k']) {
  await cdp.send('Profiler.start');
  const r = await page.evaluate((n) => (window as any).boftBench.runPhase(n), name);
  const { profile } = await cdp.send('Profiler.stop');
  const self = new Map<string, number>();
  const dt = new Map<number, number>();
  profile.samples!.forEach((id, i) => dt.set(id, (dt.get(id) ?? 0) + (profile.timeDeltas![i] ?? 0)));
  for (const n of profile.nodes) {
    const k = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`;
    self.set(k, (self.get(k) ?? 0) + (dt.get(n.id) ?? 0) / 1000);
  }
  const top = [...self.entries()].filter(([k]) => !k.startsWith('(idle')).sort((a, b) => b[1] - a[1]).slice(0, 14);
  console.log(`== ${name} maxFrame ${r.maxFrameMs.toFixed(1)} longest task ${r.maxLongTaskMs}`);
  for (const [k, v] of top) console.log(`  ${v.toFixed(1).padStart(7)} ms  ${k}`);
}
await browser.close();
await server.close();
