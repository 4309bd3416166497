// Client transports: in-memory (tests), Electron preload bridge (IPC), WebSocket (browser
// mode). Runtime-neutral: the page passes in what it has (bridge, URL, WebSocket class).
import { BRIDGE_GLOBAL, WS_PATH, type BridgeApi, type ClientMessage } from './contract';
import type { ClientTransport } from './client';
import type { StudioEndpoint } from './endpoint';

class Listeners<T> {
  private readonly set = new Set<(v: T) => void>();
  add(l: (v: T) => void): () => void {
    this.set.add(l);
    return () => this.set.delete(l);
  }
  fire(v: T): void {
    for (const l of [...this.set]) l(v);
  }
}

/**
 * Connects straight to an endpoint. Messages go through a JSON round trip and a microtask,
 * as they would over a real wire, so tests catch non-serialisable payloads and reentrancy.
 */
export function memoryTransport(endpoint: StudioEndpoint): ClientTransport & { dropConnection(): void } {
  const messages = new Listeners<unknown>();
  const closes = new Listeners<string>();
  let closed = false;
  const wire = (m: unknown): unknown => JSON.parse(JSON.stringify(m));
  const conn = endpoint.open((m) => {
    const copy = wire(m);
    queueMicrotask(() => !closed && messages.fire(copy));
  });
  const shut = (reason: string): void => {
    if (closed) return;
    closed = true;
    conn.close();
    closes.fire(reason);
  };
  return {
    send: (m: ClientMessage) => {
      if (closed) return;
      const copy = wire(m);
      queueMicrotask(() => conn.receive(copy));
    },
    onMessage: (l) => messages.add(l),
    onClose: (l) => closes.add(l),
    close: () => shut('closed'),
    dropConnection: () => shut('connection dropped'),
  };
}

/** Over the preload bridge (Electron). */
export function bridgeTransport(bridge: BridgeApi): ClientTransport {
  const closes = new Listeners<string>();
  let closed = false;
  const unsubscribers: (() => void)[] = [];
  return {
    send: (m) => !closed && bridge.send(m),
    onMessage: (l) => {
      const off = bridge.onMessage((m) => !closed && l(m));
      unsubscribers.push(off);
      return off;
    },
    onClose: (l) => closes.add(l),
    close: () => {
      if (closed) return;
      closed = true;
      for (const off of unsubscribers) off();
      closes.fire('closed');
    },
  };
}

/** The subset of the WHATWG WebSocket the transport uses (browser, or `ws` in tests). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'close' | 'error' | 'message', listener: (ev: { data?: unknown; reason?: string }) => void): void;
}

/** Messages sent before the socket opens are queued, then flushed in order. */
export function webSocketTransport(socket: WebSocketLike): ClientTransport {
  const messages = new Listeners<unknown>();
  const closes = new Listeners<string>();
  const queue: string[] = [];
  let closed = false;
  socket.addEventListener('open', () => queue.splice(0).forEach((d) => socket.send(d)));
  socket.addEventListener('message', (ev) => {
    if (typeof ev.data !== 'string') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(ev.data);
    } catch {
      parsed = { malformed: ev.data.slice(0, 80) };
    }
    messages.fire(parsed);
  });
  const shut = (reason: string): void => {
    if (closed) return;
    closed = true;
    closes.fire(reason);
  };
  socket.addEventListener('close', (ev) => shut(ev.reason || 'socket closed'));
  socket.addEventListener('error', () => shut('socket error'));
  return {
    send: (m) => {
      if (closed) return;
      const data = JSON.stringify(m);
      if (socket.readyState === 1) socket.send(data);
      else queue.push(data);
    },
    onMessage: (l) => messages.add(l),
    onClose: (l) => closes.add(l),
    close: () => {
      socket.close(1000, 'client closed');
      shut('closed');
    },
  };
}

/** ws://host/ws?token=… for a page served by `boft serve` at `pageHref`. */
export function webSocketUrl(pageHref: string): string {
  const page = new URL(pageHref);
  const token = page.searchParams.get('token');
  if (!token) throw new Error(`the page URL has no ?token= (${page.origin}${page.pathname}); open the URL that 'boft serve' printed`);
  const ws = new URL(WS_PATH, page);
  ws.protocol = page.protocol === 'https:' ? 'wss:' : 'ws:';
  ws.search = new URLSearchParams({ token }).toString();
  return ws.toString();
}

export type TransportKind = 'ipc' | 'websocket';

export interface PageEnvironment {
  bridge: BridgeApi | undefined;
  href: string;
  createWebSocket: (url: string) => WebSocketLike;
}

/** The renderer's one decision: preload bridge present → IPC, else WebSocket with the URL's token. */
export function selectTransport(env: PageEnvironment): { kind: TransportKind; transport: ClientTransport } {
  if (env.bridge) return { kind: 'ipc', transport: bridgeTransport(env.bridge) };
  return { kind: 'websocket', transport: webSocketTransport(env.createWebSocket(webSocketUrl(env.href))) };
}

/** Reads the bridge the preload put on the page, if any. */
export function findBridge(scope: object = globalThis): BridgeApi | undefined {
  const candidate = (scope as Record<string, unknown>)[BRIDGE_GLOBAL];
  if (typeof candidate !== 'object' || candidate === null) return undefined;
  const b = candidate as Partial<BridgeApi>;
  return typeof b.send === 'function' && typeof b.onMessage === 'function' ? (candidate as BridgeApi) : undefined;
}
