// An endpoint is what a transport server attaches connections to. The local endpoint runs
// handlers in the same thread (tests, and inside the core-host worker); electron/node's
// CoreHost implements the same interface by relaying to a worker thread.
import { checkEvent } from './validate';
import { Dispatcher, type Handlers } from './dispatcher';
import type { EventMessageOut, ServerMessageOut, Snapshot, StudioEvent } from './contract';

export interface Connection {
  /** Delivers one raw (unvalidated) client message. */
  receive(raw: unknown): void;
  /** The client left: its in-flight requests are aborted, it gets no more events. */
  close(): void;
}

export interface StudioEndpoint {
  open(send: (message: ServerMessageOut) => void): Connection;
}

/** Numbers events 1, 2, 3, ... and broadcasts them, so every client sees one order. */
export class EventHub {
  private seq = 0;
  private readonly listeners = new Set<(m: EventMessageOut) => void>();

  /** Emits a validated event; an event outside the contract is a bug and throws. */
  emit(event: StudioEvent): EventMessageOut {
    const checked = checkEvent(event);
    if (!checked.ok) throw new Error(checked.error.message);
    const message: EventMessageOut = { kind: 'event', seq: ++this.seq, event: checked.value };
    for (const l of [...this.listeners]) l(message);
    return message;
  }

  subscribe(listener: (m: EventMessageOut) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get lastSeq(): number {
    return this.seq;
  }
}

/**
 * Same-thread endpoint. `session.snapshot` gets the hub's lastSeq stamped in, so a client
 * knows which events the snapshot already contains.
 */
export function createLocalEndpoint(handlers: Handlers, hub: EventHub): StudioEndpoint {
  const stamped: Handlers = {
    ...handlers,
    'session.snapshot': async (params, ctx): Promise<Snapshot> => ({ ...(await handlers['session.snapshot'](params, ctx)), lastSeq: hub.lastSeq }),
  };
  const dispatcher = new Dispatcher(stamped);
  let nextConn = 0;
  return {
    open(send) {
      const conn = `c${++nextConn}`;
      let open = true;
      const unsubscribe = hub.subscribe((m) => send(m));
      return {
        receive: (raw) => {
          if (open) dispatcher.receive(conn, raw, (m) => open && send(m));
        },
        close: () => {
          open = false;
          unsubscribe();
          dispatcher.closeConnection(conn);
        },
      };
    },
  };
}
