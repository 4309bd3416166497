// The renderer's side of the contract. It trusts nothing it receives: responses are
// checked against the method's result schema, events against the event union, and
// events arrive to listeners strictly in seq order (duplicates dropped, gaps reported).
import type { ClientMessage, EventOf, EventType, MethodName, Params, Result, ResultValue, StudioEvent } from './contract';
import { checkEvent, checkResultValue, checkServerMessage } from './validate';
import type { StudioErrorData } from './schemas';

export interface ClientTransport {
  send(message: ClientMessage): void;
  onMessage(listener: (message: unknown) => void): () => void;
  /** Called once when the transport is gone for good. */
  onClose(listener: (reason: string) => void): () => void;
  close(): void;
}

export interface CallOptions {
  /** Aborting sends {kind:'cancel'}; the call then resolves with error CANCELLED. */
  signal?: AbortSignal;
}

export type EventListener = (event: StudioEvent, seq: number) => void;

export interface ProtocolProblem {
  kind: 'invalid-message' | 'invalid-event' | 'seq-gap' | 'unknown-response';
  message: string;
}

export interface StudioClient {
  call<M extends MethodName>(method: M, params: Params<M>, options?: CallOptions): Promise<Result<ResultValue<M>>>;
  on<T extends EventType>(type: T, listener: (event: EventOf<T>, seq: number) => void): () => void;
  onAny(listener: EventListener): () => void;
  /** Invalid messages, seq gaps (the UI should then re-read session.snapshot), stray responses. */
  onProblem(listener: (p: ProtocolProblem) => void): () => void;
  /** seq of the last event delivered. */
  readonly lastSeq: number;
  readonly closed: boolean;
  close(): void;
}

interface Pending {
  method: MethodName;
  resolve: (r: Result<unknown>) => void;
  cleanup: () => void;
}

export function createClient(transport: ClientTransport): StudioClient {
  return new Client(transport);
}

class Client implements StudioClient {
  private nextId = 1;
  private seq = 0;
  private isClosed = false;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<EventListener>();
  private readonly problems = new Set<(p: ProtocolProblem) => void>();
  private readonly detach: (() => void)[];

  constructor(private readonly transport: ClientTransport) {
    this.detach = [transport.onMessage((m) => this.handle(m)), transport.onClose((r) => this.shutdown(r))];
  }

  get lastSeq(): number {
    return this.seq;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  call<M extends MethodName>(method: M, params: Params<M>, options: CallOptions = {}): Promise<Result<ResultValue<M>>> {
    if (this.isClosed) return Promise.resolve(failure('DISCONNECTED', 'the studio connection is closed'));
    if (options.signal?.aborted) return Promise.resolve(failure('CANCELLED', `${method} was cancelled before it was sent`));
    const id = this.nextId++;
    return new Promise((resolve) => {
      const onAbort = (): void => this.transport.send({ kind: 'cancel', id });
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const cleanup = (): void => options.signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, { method, resolve: resolve as (r: Result<unknown>) => void, cleanup });
      this.transport.send({ kind: 'request', id, method, params });
    });
  }

  on<T extends EventType>(type: T, listener: (event: EventOf<T>, seq: number) => void): () => void {
    return this.onAny((event, seq) => {
      if (event.type === type) listener(event as EventOf<T>, seq);
    });
  }

  onAny(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onProblem(listener: (p: ProtocolProblem) => void): () => void {
    this.problems.add(listener);
    return () => this.problems.delete(listener);
  }

  close(): void {
    this.transport.close();
    this.shutdown('closed by the client');
  }

  private handle(raw: unknown): void {
    const checked = checkServerMessage(raw);
    if (!checked.ok) return this.problem('invalid-message', checked.error.message);
    const msg = checked.value;
    if (msg.kind === 'event') return this.deliver(msg.seq, msg.event);
    const pending = this.pending.get(msg.id);
    if (!pending) return this.problem('unknown-response', `response to unknown request ${msg.id}`);
    this.pending.delete(msg.id);
    pending.cleanup();
    pending.resolve(msg.result.ok ? checkResultValue(pending.method, msg.result.value) : msg.result);
  }

  private deliver(seq: number, raw: unknown): void {
    if (seq <= this.seq) return; // a duplicate (e.g. replayed after reconnect)
    const event = checkEvent(raw);
    if (!event.ok) return this.problem('invalid-event', event.error.message);
    if (seq !== this.seq + 1 && this.seq !== 0) this.problem('seq-gap', `events ${this.seq + 1}..${seq - 1} were missed`);
    this.seq = seq;
    for (const l of [...this.listeners]) l(event.value, seq);
  }

  private problem(kind: ProtocolProblem['kind'], message: string): void {
    for (const l of [...this.problems]) l({ kind, message });
  }

  private shutdown(reason: string): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const d of this.detach) d();
    for (const [, p] of this.pending) {
      p.cleanup();
      p.resolve(failure('DISCONNECTED', `connection closed: ${reason}`));
    }
    this.pending.clear();
  }
}

function failure(code: StudioErrorData['code'], message: string): { ok: false; error: StudioErrorData } {
  return { ok: false, error: { code, message } };
}
