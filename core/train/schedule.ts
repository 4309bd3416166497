// Learning-rate multipliers with the same values as transformers' get_*_schedule_with_warmup.
// `step` counts optimizer steps already taken, so the first update uses step 0 (lr 0 when
// warming up), exactly as a LambdaLR stepped after each optimizer step.

export type ScheduleKind = 'constant' | 'linear' | 'cosine';

export interface ScheduleConfig {
  kind: ScheduleKind;
  warmupSteps: number;
  totalSteps: number;
  /** Cosine only: number of half-waves (transformers' num_cycles, default 0.5). */
  numCycles?: number;
}

export const SCHEDULE_KINDS: readonly ScheduleKind[] = ['constant', 'linear', 'cosine'];

export function validateSchedule(c: ScheduleConfig): void {
  if (!SCHEDULE_KINDS.includes(c.kind)) {
    throw new Error(`lr_scheduler_type '${String(c.kind)}' is not supported; valid: ${SCHEDULE_KINDS.join(', ')}`);
  }
  if (!Number.isInteger(c.warmupSteps) || c.warmupSteps < 0) {
    throw new Error(`warmup_steps=${c.warmupSteps} must be an integer >= 0`);
  }
  if (!Number.isInteger(c.totalSteps) || c.totalSteps < 1) {
    throw new Error(`total steps=${c.totalSteps} must be an integer >= 1`);
  }
}

/** Multiplier of the base learning rate before optimizer step number `step` (0-based). */
export function lrLambda(c: ScheduleConfig, step: number): number {
  if (step < c.warmupSteps) return step / Math.max(1, c.warmupSteps);
  const progress = (step - c.warmupSteps) / Math.max(1, c.totalSteps - c.warmupSteps);
  switch (c.kind) {
    case 'constant':
      return 1;
    case 'linear':
      return Math.max(0, (c.totalSteps - step) / Math.max(1, c.totalSteps - c.warmupSteps));
    case 'cosine': {
      const cycles = c.numCycles ?? 0.5;
      return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * cycles * 2 * progress)));
    }
    default: {
      const never: never = c.kind;
      throw new Error(`unknown schedule '${String(never)}'`);
    }
  }
}
