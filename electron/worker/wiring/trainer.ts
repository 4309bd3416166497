// Training through core/train's Trainer. Waiting for wiring: see the report.
import { StudioError } from '../../shared/contract';
import type { Trainer } from '../ports';

export function coreTrainer(_home: string): Trainer {
  return {
    start: () => {
      throw new StudioError('NOT_WIRED', 'training from the studio needs core/train wiring (electron/worker/wiring/trainer.ts); use `boft train` meanwhile');
    },
  };
}
