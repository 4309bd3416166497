// The trainer's events as an async iterator, for hosts that prefer `for await` to a callback
// (e.g. a worker forwarding events over IPC). Events are queued, never dropped; the iterator
// ends after the run ends, and rethrows the run's error.
import type { TrainEvent } from './events';
import type { Trainer, TrainOutcome } from './trainer';

export async function* trainEvents(trainer: Trainer, onOutcome?: (o: TrainOutcome) => void): AsyncGenerator<TrainEvent> {
  const queue: TrainEvent[] = [];
  let wake: (() => void) | null = null;
  let finished = false;
  let failure: unknown = null;
  const notify = (): void => { wake?.(); wake = null; };
  trainer.run((e) => { queue.push(e); notify(); }).then(
    (o) => { onOutcome?.(o); finished = true; notify(); },
    (e: unknown) => { failure = e; finished = true; notify(); },
  );
  for (;;) {
    while (queue.length) yield queue.shift()!;
    if (finished) break;
    await new Promise<void>((r) => (wake = r));
  }
  if (failure) throw failure;
}
