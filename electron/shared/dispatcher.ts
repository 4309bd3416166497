// Server side of the contract: routes validated requests to handlers, turns every
// failure into a typed result, and aborts a request when its client cancels or leaves.
import { StudioError, type MethodName, type Params, type ResponseMessageOut, type ResultValue } from './contract';
import { checkClientMessage, checkResultValue, salvageId, type ValidRequest } from './validate';
import type { StudioErrorData } from './schemas';

export interface CallContext {
  /** The request id, as the client numbered it. */
  requestId: number;
  /** Aborted when the client sends {kind:'cancel'} or its connection closes. */
  signal: AbortSignal;
}

export type Handler<M extends MethodName> = (params: Params<M>, ctx: CallContext) => Promise<ResultValue<M>>;
export type Handlers = { [M in MethodName]: Handler<M> };

/** Identifies one client connection within a dispatcher (an IPC webContents, a socket, ...). */
export type ConnectionKey = string;

export function toErrorData(err: unknown): StudioErrorData {
  if (err instanceof StudioError) return err.toData();
  if (err instanceof Error) return { code: 'INTERNAL', message: err.message };
  return { code: 'INTERNAL', message: String(err) };
}

export class Dispatcher {
  private readonly inflight = new Map<string, AbortController>();

  constructor(private readonly handlers: Handlers) {}

  /** Handles one raw client message; `reply` gets exactly one response per request. */
  receive(conn: ConnectionKey, raw: unknown, reply: (m: ResponseMessageOut) => void): void {
    const checked = checkClientMessage(raw);
    if (!checked.ok) {
      const id = salvageId(raw);
      // Without a usable id the response could not be matched; a malformed message is dropped.
      if (id !== null) reply({ kind: 'response', id, result: checked });
      return;
    }
    const msg = checked.value;
    if (msg.kind === 'cancel') {
      this.inflight.get(key(conn, msg.id))?.abort();
      return;
    }
    void this.run(conn, msg, reply);
  }

  /** Aborts every request of a connection that went away. */
  closeConnection(conn: ConnectionKey): void {
    for (const [k, ctl] of this.inflight) if (k.startsWith(`${conn}\u0000`)) ctl.abort();
  }

  get inflightCount(): number {
    return this.inflight.size;
  }

  private async run(conn: ConnectionKey, msg: ValidRequest, reply: (m: ResponseMessageOut) => void): Promise<void> {
    const k = key(conn, msg.id);
    if (this.inflight.has(k)) {
      reply({ kind: 'response', id: msg.id, result: { ok: false, error: { code: 'INVALID_REQUEST', message: `request id ${msg.id} is already in flight` } } });
      return;
    }
    const ctl = new AbortController();
    this.inflight.set(k, ctl);
    try {
      const value = await this.invoke(msg, ctl.signal);
      if (ctl.signal.aborted) throw new StudioError('CANCELLED', `${msg.method} was cancelled`);
      const checked = checkResultValue(msg.method, value);
      reply({ kind: 'response', id: msg.id, result: checked });
    } catch (err) {
      const error = ctl.signal.aborted ? { code: 'CANCELLED' as const, message: `${msg.method} was cancelled` } : toErrorData(err);
      reply({ kind: 'response', id: msg.id, result: { ok: false, error } });
    } finally {
      this.inflight.delete(k);
    }
  }

  private invoke(msg: ValidRequest, signal: AbortSignal): Promise<unknown> {
    const handler = this.handlers[msg.method] as Handler<MethodName>;
    return handler(msg.params, { requestId: msg.id, signal });
  }
}

function key(conn: ConnectionKey, id: number): string {
  return `${conn}\u0000${id}`;
}

/** Rejects with CANCELLED if the signal is already aborted; long handlers call it between steps. */
export function throwIfCancelled(signal: AbortSignal, what: string): void {
  if (signal.aborted) throw new StudioError('CANCELLED', `${what} was cancelled`);
}
