// Browser-mode security: token on every HTTP load and WS upgrade, Host and Origin checks,
// headers, path traversal, malformed payloads. Real sockets on 127.0.0.1, port 0.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import WebSocket from 'ws';
import { startServer, type RunningServer } from './server';
import { createLocalEndpoint, EventHub } from '../shared/endpoint';
import { StudioService } from '../worker/service';
import { fakeDeps } from '../testing/fakes';
import { createClient } from '../shared/client';
import { webSocketTransport, webSocketUrl, type WebSocketLike } from '../shared/transports';

let server: RunningServer;
let origin: string;
const top = mkdtempSync(join(tmpdir(), 'boft-serve-'));
const dir = join(top, 'renderer');
mkdirSync(join(dir, 'assets'), { recursive: true });
writeFileSync(join(top, 'secret.txt'), 'TOP SECRET');
writeFileSync(join(dir, 'index.html'), '<!doctype html><title>BOFT Studio</title><script type="module" src="/assets/app.js"></script>');
writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');

beforeAll(async () => {
  const hub = new EventHub();
  const service = new StudioService(fakeDeps(), (e) => hub.emit(e));
  server = await startServer({ endpoint: createLocalEndpoint(service.handlers(), hub), rendererDir: dir, port: 0 });
  origin = `http://127.0.0.1:${server.port}`;
});
afterAll(() => server.close());

function get(path: string, headers: Record<string, string> = {}, method = 'GET') {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((ok, fail) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method, headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', fail);
    req.end();
  });
}

function wsOutcome(url: string, headers: Record<string, string>): Promise<number | 'open'> {
  return new Promise((ok) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => {
      ws.close();
      ok('open');
    });
    ws.on('unexpected-response', (_req, res) => ok(res.statusCode ?? 0));
    ws.on('error', () => ok(-1));
  });
}

describe('boft serve: HTTP', () => {
  it('prints a parseable URL with a 256-bit token on 127.0.0.1', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/);
  });

  it('refuses page loads without the token or with a wrong one', async () => {
    expect((await get('/')).status).toBe(401);
    expect((await get('/?token=nope')).status).toBe(401);
    expect((await get('/assets/app.js')).status).toBe(401);
    expect((await get(`/?token=${server.token}`, { Host: 'evil.example:80' })).status).toBe(403);
    expect((await get(`/?token=${server.token}`, {}, 'POST')).status).toBe(405);
  });

  it('serves the page with security headers and a cookie that lets its assets load', async () => {
    const page = await get(`/?token=${server.token}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('BOFT Studio');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toContain(`ws://127.0.0.1:${server.port}`);
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    const cookie = String(page.headers['set-cookie']);
    expect(cookie).toMatch(/^boft_token=[^;]+; HttpOnly; SameSite=Strict; Path=\/$/);
    const asset = await get('/assets/app.js', { Cookie: cookie.split(';')[0] });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toBe('text/javascript; charset=utf-8');
  });

  it('does not serve files outside the renderer folder', async () => {
    const attempts = ['/%2e%2e/secret.txt', '/..%2fsecret.txt', '/assets/..%2f..%2fsecret.txt', '/assets/%2e%2e%2f%2e%2e%2fsecret.txt', '/..\\secret.txt'];
    for (const p of attempts) {
      const res = await get(`${p}?token=${server.token}`);
      expect(res.body).not.toContain('TOP SECRET');
      expect([404, 200]).toContain(res.status);
      if (res.status === 200) expect(res.body).toContain('<title>BOFT Studio</title>'); // SPA fallback only
    }
    expect((await get(`/..%2fsecret.txt?token=${server.token}`)).status).toBe(404);
  });
});

describe('boft serve: WebSocket', () => {
  it('refuses a socket without the token, with a wrong one, or from another origin', async () => {
    const base = `ws://127.0.0.1:${server.port}/ws`;
    expect(await wsOutcome(base, { Origin: origin })).toBe(401);
    expect(await wsOutcome(`${base}?token=wrong`, { Origin: origin })).toBe(401);
    expect(await wsOutcome(`${base}?token=${server.token}`, { Origin: 'http://evil.example' })).toBe(403);
    expect(await wsOutcome(`${base}?token=${server.token}`, { Origin: `http://localhost:${server.port}` })).toBe(403);
    expect(await wsOutcome(`${base}?token=${server.token}`, {})).toBe(403);
    expect(await wsOutcome(`ws://127.0.0.1:${server.port}/other?token=${server.token}`, { Origin: origin })).toBe(404);
    expect(await wsOutcome(`${base}?token=${server.token}`, { Origin: origin })).toBe('open');
  });

  it('speaks the contract; malformed payloads get an error result; non-JSON closes the socket', async () => {
    const ws = new WebSocket(webSocketUrl(server.url), { headers: { Origin: origin } });
    const client = createClient(webSocketTransport(ws as unknown as WebSocketLike));
    const info = await client.call('app.info', {});
    expect(info.ok && info.value.mode).toBe('test');
    const bad = await client.call('model.openFolder', { path: 3 } as never);
    expect(bad.ok || bad.error.code).toBe('INVALID_REQUEST');
    const reply = new Promise<unknown>((ok) => ws.once('message', (d: Buffer) => ok(JSON.parse(d.toString()))));
    ws.send(JSON.stringify({ kind: 'request', id: 77, method: 'model.tree', params: { injected: '<script>' } }));
    expect(await reply).toMatchObject({ kind: 'response', id: 77, result: { ok: false, error: { code: 'INVALID_REQUEST' } } });
    const closed = new Promise<number>((ok) => ws.once('close', (code: number) => ok(code)));
    ws.send('{not json');
    expect(await closed).toBe(1007);
  });
});
