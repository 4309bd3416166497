import { chromium } from '@playwright/test';
import { startScriptedServer } from './e2e/support/scripted-service';
const dists: Record<string, string> = { before: '/tmp/uiperf-dist-base', after: '/tmp/uiperf-dist-new' };
const reps = Number(process.argv[2] ?? 3);
const phases = ['treeBuild', 'treeRender', 'treeFilter', 'treeScroll', 'llama7b', 'chart100k'];
const res: Record<string, Record<string, { cpu: number[]; frame: number[]; lt: number[] }>> = {};
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
for (let rep = 0; rep < reps; rep++) for (const [name, dist] of Object.entries(dists)) {
  const server = await startScriptedServer(dist);
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  await page.goto(server.url.replace('/?token=', '/bench.html?token='));
  await page.waitForFunction(() => Boolean((window as any).boftBench));
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const tt = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'ThreadTime')!.value;
  for (const ph of phases) {
    const t0 = await tt();
    let r: any;
    try { r = await page.evaluate((n) => (window as any).boftBench.runPhase(n), ph); } catch { continue; }
    const cpu = ((await tt()) - t0) * 1000;
    const e = ((res[name] ??= {})[ph] ??= { cpu: [], frame: [], lt: [] });
    e.cpu.push(cpu); e.frame.push(r.maxFrameMs); e.lt.push(r.maxLongTaskMs);
  }
  await page.close();
  await server.close();
}
await browser.close();
const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
for (const ph of phases) {
  const b = res.before[ph] ?? { cpu: [NaN], frame: [NaN], lt: [NaN] }, a = res.after[ph];
  console.log(`${ph.padEnd(11)} cpu ms before ${med(b.cpu).toFixed(0).padStart(5)} after ${med(a.cpu).toFixed(0).padStart(5)} ratio ${(med(a.cpu) / med(b.cpu)).toFixed(2)} | maxFrame before ${med(b.frame).toFixed(0)} after ${med(a.frame).toFixed(0)} | longest task before ${med(b.lt).toFixed(0)} after ${med(a.lt).toFixed(0)}`);
}
console.log(JSON.stringify(res));
