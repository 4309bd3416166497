// Routes IPC between renderer windows and the core host. One contract connection per
// webContents; a reload or a destroyed window closes it (the renderer re-subscribes and
// reads session.snapshot). Messages from any other frame are dropped and logged.
import type { Connection, StudioEndpoint } from '../shared/endpoint';
import type { ServerMessageOut } from '../shared/contract';
import { senderAllowed } from './policy';

/** The part of Electron's WebContents the router uses. */
export interface WebContentsLike {
  readonly id: number;
  isDestroyed(): boolean;
  send(channel: string, message: ServerMessageOut): void;
  once(event: 'destroyed', listener: () => void): unknown;
}

export interface IpcEventLike {
  sender: WebContentsLike;
  senderFrame: { url: string; isMainFrame: boolean } | null;
}

export class IpcRouter {
  private readonly conns = new Map<number, Connection>();

  constructor(
    private readonly endpoint: StudioEndpoint,
    private readonly rendererIndexUrl: string,
    private readonly toRenderer: string,
    private readonly log: (line: string) => void = () => {},
    /** Called after a window's connection opens (main flushes queued OS file-open requests). */
    private readonly onConnect: (contentsId: number) => void = () => {},
  ) {}

  /** ipcMain.on(IPC_TO_MAIN, (e, m) => router.receive(e, m)). */
  receive(event: IpcEventLike, raw: unknown): void {
    if (!senderAllowed(event.senderFrame, this.rendererIndexUrl)) {
      this.log(`dropped a message from a foreign frame (${event.senderFrame?.url ?? 'unknown'})`);
      return;
    }
    this.connection(event.sender).receive(raw);
  }

  /** Call on did-start-navigation of the main frame (reload): the page starts afresh. */
  reset(contentsId: number): void {
    this.conns.get(contentsId)?.close();
    this.conns.delete(contentsId);
  }

  get connectionCount(): number {
    return this.conns.size;
  }

  private connection(wc: WebContentsLike): Connection {
    const existing = this.conns.get(wc.id);
    if (existing) return existing;
    const conn = this.endpoint.open((m) => {
      if (!wc.isDestroyed()) wc.send(this.toRenderer, m);
    });
    this.conns.set(wc.id, conn);
    wc.once('destroyed', () => this.reset(wc.id));
    queueMicrotask(() => this.onConnect(wc.id));
    return conn;
  }
}
