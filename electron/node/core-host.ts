// CoreHost: the StudioEndpoint that Electron main and `boft serve` attach clients to.
// It validates every client message, relays it to the core worker, numbers the worker's
// events, and survives a worker crash: in-flight calls fail with WORKER_CRASHED, clients
// get `worker.crashed` with the last checkpoint, and a fresh worker is started.
import { Dispatcher, type Handlers } from '../shared/dispatcher';
import { EventHub, type Connection, type StudioEndpoint } from '../shared/endpoint';
import type { MethodName, ResponseMessageOut, ServerMessageOut, Snapshot, StudioEvent } from '../shared/contract';
import type { CheckpointRef } from '../shared/schemas';
import { checkClientMessage, checkEvent, salvageId } from '../shared/validate';
import { workerToHostSchema, type WorkerFactory, type WorkerLike, type WorkerToHost } from './host-protocol';

export interface CoreHostOptions {
  /** Methods answered in the host itself (e.g. native dialogs in Electron main). */
  local?: Partial<Handlers>;
  log?: (line: string) => void;
  /** Crashes within `crashWindowMs` before the host stops restarting the worker. */
  maxCrashes?: number;
  crashWindowMs?: number;
}

interface ConnState {
  send: (m: ServerMessageOut) => void;
  inflight: Map<number, MethodName>;
  open: boolean;
}

export class CoreHost implements StudioEndpoint {
  readonly hub = new EventHub();
  private worker: WorkerLike | null = null;
  private readonly conns = new Map<string, ConnState>();
  private readonly local: Dispatcher | null;
  private readonly localMethods: Set<string>;
  private nextConn = 0;
  private runCheckpoint: CheckpointRef | null = null;
  private recoverable: CheckpointRef | null = null;
  private crashes: number[] = [];
  private disposed = false;
  private downReason: string | null = null;

  constructor(private readonly spawn: WorkerFactory, private readonly options: CoreHostOptions = {}) {
    const local = options.local ?? {};
    this.localMethods = new Set(Object.keys(local));
    this.local = this.localMethods.size ? new Dispatcher(local as Handlers) : null;
    this.start();
  }

  open(send: (m: ServerMessageOut) => void): Connection {
    const conn = `c${++this.nextConn}`;
    const state: ConnState = { send, inflight: new Map(), open: true };
    this.conns.set(conn, state);
    const unsubscribe = this.hub.subscribe((m) => state.open && send(m));
    return {
      receive: (raw) => state.open && this.receive(conn, state, raw),
      close: () => {
        state.open = false;
        unsubscribe();
        this.conns.delete(conn);
        this.local?.closeConnection(conn);
        this.worker?.postMessage({ kind: 'close', conn });
      },
    };
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const w = this.worker;
    this.worker = null;
    await w?.terminate();
  }

  /** Payload validation happens here, before anything reaches the worker. */
  private receive(conn: string, state: ConnState, raw: unknown): void {
    const checked = checkClientMessage(raw);
    if (!checked.ok) {
      const id = salvageId(raw);
      if (id !== null) state.send({ kind: 'response', id, result: checked });
      this.options.log?.(`rejected a malformed message from ${conn}: ${checked.error.message}`);
      return;
    }
    const msg = checked.value;
    if (msg.kind === 'request' && this.localMethods.has(msg.method)) {
      this.local?.receive(conn, raw, (r) => state.open && state.send(r));
      return;
    }
    if (msg.kind === 'cancel') {
      this.local?.receive(conn, raw, () => {});
      if (state.inflight.has(msg.id)) this.worker?.postMessage({ kind: 'client', conn, message: msg });
      return;
    }
    if (!this.worker) {
      state.send(crashed(msg.id, this.downReason ?? 'the core is not running'));
      return;
    }
    state.inflight.set(msg.id, msg.method);
    this.worker.postMessage({ kind: 'client', conn, message: { kind: 'request', id: msg.id, method: msg.method, params: msg.params } });
  }

  private start(): void {
    const w = this.spawn();
    this.worker = w;
    w.on('message', (m) => this.worker === w && this.fromWorker(m));
    w.on('error', (e) => this.onCrash(w, `the core worker threw: ${e.message}`));
    w.on('exit', (code) => this.onCrash(w, `the core worker exited with code ${code}`));
  }

  private fromWorker(raw: unknown): void {
    const parsed = workerToHostSchema.safeParse(raw);
    if (!parsed.success) {
      this.options.log?.('dropped a malformed message from the core worker');
      return;
    }
    const m = parsed.data as WorkerToHost;
    switch (m.kind) {
      case 'ready':
        return;
      case 'fatal':
        this.options.log?.(`core worker: ${m.message}`);
        return;
      case 'event':
        return this.relayEvent(m.event);
      case 'response':
        return this.relayResponse(m.conn, m.message);
      default: {
        const never: never = m;
        return never;
      }
    }
  }

  private relayEvent(raw: unknown): void {
    const checked = checkEvent(raw);
    if (!checked.ok) {
      this.options.log?.(`dropped an out-of-contract event from the core worker: ${checked.error.message}`);
      return;
    }
    this.track(checked.value);
    this.hub.emit(checked.value);
  }

  /** Remembers the active run's last checkpoint, which a crash offers for resuming. */
  private track(event: StudioEvent): void {
    if (event.type === 'train.checkpoint') this.runCheckpoint = event.checkpoint;
    if (event.type === 'run.state') {
      if (event.state === 'starting') this.recoverable = null;
      if (event.state === 'completed' || event.state === 'cancelled' || event.state === 'failed') this.runCheckpoint = null;
    }
  }

  private relayResponse(conn: string, message: ResponseMessageOut): void {
    const state = this.conns.get(conn);
    const method = state?.inflight.get(message.id);
    if (!state || !method) return; // the client left, or a response was already synthesised
    state.inflight.delete(message.id);
    state.send(method === 'session.snapshot' ? this.stampSnapshot(message) : message);
  }

  private stampSnapshot(message: ResponseMessageOut): ResponseMessageOut {
    if (!message.result.ok) return message;
    const snap = message.result.value as Snapshot;
    return { ...message, result: { ok: true, value: { ...snap, lastSeq: this.hub.lastSeq, recoverableCheckpoint: snap.recoverableCheckpoint ?? this.recoverable } } };
  }

  private onCrash(w: WorkerLike, reason: string): void {
    if (this.worker !== w || this.disposed) return;
    this.worker = null;
    void w.terminate().catch(() => undefined);
    this.options.log?.(reason);
    this.recoverable = this.runCheckpoint ?? this.recoverable;
    this.runCheckpoint = null;
    for (const state of this.conns.values()) {
      for (const id of state.inflight.keys()) state.send(crashed(id, reason));
      state.inflight.clear();
    }
    this.hub.emit({ type: 'worker.crashed', reason, lastCheckpoint: this.recoverable });
    this.maybeRestart(reason);
  }

  private maybeRestart(reason: string): void {
    const now = Date.now();
    const windowMs = this.options.crashWindowMs ?? 60_000;
    this.crashes = [...this.crashes.filter((t) => now - t < windowMs), now];
    if (this.crashes.length > (this.options.maxCrashes ?? 3)) {
      this.downReason = `the core worker crashed ${this.crashes.length} times in ${windowMs / 1000} s and was not restarted (last: ${reason})`;
      this.hub.emit({ type: 'log', level: 'error', message: this.downReason });
      return;
    }
    this.start();
    this.hub.emit({ type: 'worker.restarted' });
  }
}

function crashed(id: number, reason: string): ResponseMessageOut {
  return { kind: 'response', id, result: { ok: false, error: { code: 'WORKER_CRASHED', message: reason } } };
}
