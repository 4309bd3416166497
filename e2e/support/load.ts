// Frame timings mean something only on a machine that is not saturated by other work.
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
