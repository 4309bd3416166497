// Prints one plain closing line from test runners' JSON reports (vitest or Playwright), so
// CI logs state the count in a runner-neutral form: "unit: N passed, N failed, N skipped".
//   node .ci/summary.mjs <report.json> <label>
//   node .ci/summary.mjs --total <report.json>...   (sums several reports)
import { existsSync, readFileSync } from 'node:fs';

function counts(file) {
  if (!existsSync(file)) return null;
  const r = JSON.parse(readFileSync(file, 'utf8'));
  return r.stats
    ? { passed: r.stats.expected + (r.stats.flaky ?? 0), failed: r.stats.unexpected, skipped: r.stats.skipped }
    : { passed: r.numPassedTests ?? 0, failed: r.numFailedTests ?? 0, skipped: (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0) };
}

const args = process.argv.slice(2);
const total = args[0] === '--total';
const files = total ? args.slice(1) : [args[0] ?? 'test-results/unit.json'];
const label = total ? 'total' : (args[1] ?? 'unit');
const sum = { passed: 0, failed: 0, skipped: 0 };
for (const f of files) {
  const c = counts(f);
  if (!c) {
    console.log(`${label}: no report at ${f} (the runner did not finish)`);
    process.exit(1);
  }
  for (const k of Object.keys(sum)) sum[k] += c[k];
}
console.log(`${label}: ${sum.passed} passed, ${sum.failed} failed, ${sum.skipped} skipped`);
process.exit(sum.failed > 0 ? 1 : 0);
