// Browser mode: serves the built renderer and the studio contract over WebSocket.
// Every HTTP load and WS upgrade must present the token (?token= or the cookie set by the
// first tokened load); Host and Origin are checked; every WS payload is validated by the host.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { WS_PATH } from '../shared/contract';
import type { StudioEndpoint } from '../shared/endpoint';
import { allowedHosts, cookieToken, newToken, originAllowed, securityHeaders, TOKEN_COOKIE, tokensEqual } from './security';

export interface ServeOptions {
  endpoint: StudioEndpoint;
  /** Folder of the built renderer (index.html + assets). */
  rendererDir: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  token?: string;
  log?: (line: string) => void;
}

export interface RunningServer {
  url: string;
  host: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.ico': 'image/x-icon', '.woff2': 'font/woff2', '.wasm': 'application/wasm', '.map': 'application/json', '.txt': 'text/plain; charset=utf-8',
};
const MAX_WS_MESSAGE = 4 * 1024 * 1024;

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? newToken();
  const rendererDir = resolve(options.rendererDir);
  let hosts = new Set<string>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_MESSAGE });
  const server = createServer((req, res) => {
    void handleHttp(req, res, { token, hosts, rendererDir }).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', `internal error: ${String(err)}`);
    });
  });
  server.on('upgrade', (req, socket) => {
    const refusal = upgradeRefusal(req, token, hosts);
    if (refusal) return refuse(socket, refusal);
    wss.handleUpgrade(req, socket, Buffer.alloc(0), (ws) => attachSocket(ws, options.endpoint));
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, host, () => ok());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  hosts = allowedHosts(host, port);
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/?token=${token}`,
    host,
    port,
    token,
    close: () =>
      new Promise<void>((ok) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

function attachSocket(ws: WebSocket, endpoint: StudioEndpoint): void {
  const conn = endpoint.open((m) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m));
  });
  ws.on('message', (data, isBinary) => {
    if (isBinary) return ws.close(1003, 'the studio protocol is JSON text');
    let parsed: unknown;
    try {
      parsed = JSON.parse(data.toString());
    } catch {
      // Without JSON there is no request id to answer; the protocol is broken, so close.
      return ws.close(1007, 'invalid JSON');
    }
    conn.receive(parsed);
  });
  ws.on('close', () => conn.close());
  ws.on('error', () => conn.close());
}

function upgradeRefusal(req: IncomingMessage, token: string, hosts: Set<string>): string | null {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname !== WS_PATH) return '404 Not Found';
  if (!req.headers.host || !hosts.has(req.headers.host)) return '403 Forbidden';
  if (!originAllowed(req.headers.origin, req.headers.host, hosts)) return '403 Forbidden';
  const given = url.searchParams.get('token') ?? cookieToken(req.headers.cookie);
  return tokensEqual(given, token) ? null : '401 Unauthorized';
}

function refuse(socket: Duplex, status: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

interface HttpContext {
  token: string;
  hosts: Set<string>;
  rendererDir: string;
}

async function handleHttp(req: IncomingMessage, res: ServerResponse, ctx: HttpContext): Promise<void> {
  if (!req.headers.host || !ctx.hosts.has(req.headers.host)) return send(res, 403, 'text/plain; charset=utf-8', 'forbidden host');
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed');
  const url = new URL(req.url ?? '/', 'http://x');
  const queryToken = url.searchParams.get('token');
  if (!tokensEqual(queryToken ?? cookieToken(req.headers.cookie), ctx.token)) {
    return send(res, 401, 'text/plain; charset=utf-8', 'BOFT Studio: open the URL that `boft serve` printed; it carries the access token.');
  }
  if (queryToken) res.setHeader('Set-Cookie', `${TOKEN_COOKIE}=${ctx.token}; HttpOnly; SameSite=Strict; Path=/`);
  const file = await resolveStatic(ctx.rendererDir, url.pathname);
  if (file === 'missing-build') {
    return send(res, 503, 'text/plain; charset=utf-8', `BOFT Studio: the renderer is not built (${ctx.rendererDir}); run \`npm run build:renderer\`.`);
  }
  if (!file) return send(res, 404, 'text/plain; charset=utf-8', 'not found');
  const body = await readFile(file);
  const type = MIME[extname(file).toLowerCase()] ?? 'application/octet-stream';
  res.setHeader('Cache-Control', type.startsWith('text/html') ? 'no-store' : 'private, max-age=300');
  send(res, 200, type, req.method === 'HEAD' ? '' : body, `ws://${req.headers.host}`);
}

/** Maps a URL path into rendererDir; unknown extension-less paths get index.html (SPA). */
async function resolveStatic(root: string, pathname: string): Promise<string | null | 'missing-build'> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const candidate = resolve(join(root, decoded));
  if (candidate !== root && !candidate.startsWith(root + sep)) return null;
  if (await isFile(candidate)) return candidate;
  const index = join(root, 'index.html');
  if (!(await isFile(index))) return 'missing-build';
  return extname(decoded) === '' ? index : null;
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, wsOrigin?: string): void {
  // Older Chromium does not let 'self' cover ws:, so the socket's origin is listed too.
  for (const [k, v] of Object.entries(securityHeaders(wsOrigin ? [wsOrigin] : []))) res.setHeader(k, v);
  res.writeHead(status, { 'Content-Type': type });
  res.end(body);
}
