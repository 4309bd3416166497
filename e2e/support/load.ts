// Frame timings mean something only on a machine that is not saturated by other work.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';

export interface MachineLoad {
  load1: number;
  cores: number;
  /** True when the 1-minute load average exceeds 1.5 runnable tasks per core. */
  saturated: boolean;
  text: string;
}

export function machineLoad(): MachineLoad {
  const load1 = loadavg()[0];
  const cores = cpus().length;
  return { load1, cores, saturated: load1 > 1.5 * cores, text: `load average ${load1.toFixed(1)} on ${cores} cores` };
}

/**
 * Raises this test worker's Chromium processes (its descendants) to foreground priority;
 * Chromium's zygote starts renderers at normal priority whatever the browser's was.
 * Returns how many processes were raised (0 where not permitted).
 */
export function foregroundChromium(): number {
  const parent = new Map<number, number>();
  const names = new Map<number, string>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      names.set(Number(d), stat.slice(stat.indexOf('(') + 1, close));
      parent.set(Number(d), Number(stat.slice(close + 2).split(' ')[1]));
    } catch {
      /* the process ended meanwhile */
    }
  }
  const mine = (pid: number): boolean => {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) if (p === process.pid) return true;
    return false;
  };
  const pids = [...names.entries()].filter(([pid, n]) => n.startsWith('chrom') && mine(pid)).map(([pid]) => String(pid));
  if (pids.length === 0) return 0;
  try {
    execFileSync('renice', ['-n', '-10', '-p', ...pids], { stdio: 'ignore' });
    return pids.length;
  } catch {
    return 0;
  }
}
