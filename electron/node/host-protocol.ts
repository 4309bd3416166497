// Messages between the core host (Electron main / `boft serve`) and the core worker.
// The worker never numbers events: the host does, so seq stays monotonic across restarts.
import { z } from 'zod';
import type { ClientMessage, ResponseMessageOut, StudioEvent } from '../shared/contract';
import { responseMessageSchema } from '../shared/contract';

export type HostToWorker =
  | { kind: 'client'; conn: string; message: ClientMessage }
  | { kind: 'close'; conn: string };

export type WorkerToHost =
  | { kind: 'ready' }
  | { kind: 'response'; conn: string; message: ResponseMessageOut }
  | { kind: 'event'; event: StudioEvent }
  | { kind: 'fatal'; message: string };

export const workerToHostSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('ready') }),
  z.object({ kind: z.literal('response'), conn: z.string(), message: responseMessageSchema }),
  // Events are checked against the event union by the host's EventHub.
  z.object({ kind: z.literal('event'), event: z.unknown() }),
  z.object({ kind: z.literal('fatal'), message: z.string() }),
]);

/** The part of worker_threads.Worker the host uses; tests substitute a fake. */
export interface WorkerLike {
  postMessage(message: HostToWorker): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  terminate(): Promise<number>;
}

export type WorkerFactory = () => WorkerLike;
