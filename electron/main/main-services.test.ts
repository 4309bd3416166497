// Main-process services without Electron: window settings, sender validation, link policy,
// CSP headers, and the IPC router's per-window connections.
import { describe, expect, it } from 'vitest';
import { externalUrlAllowed, isAppUrl, secureWebPreferences, senderAllowed, withSecurityHeaders } from './policy';
import { IpcRouter, type WebContentsLike } from './ipc-router';
import { createLocalEndpoint, EventHub } from '../shared/endpoint';
import { StudioService } from '../worker/service';
import { fakeDeps } from '../testing/fakes';
import type { ServerMessageOut } from '../shared/contract';

const INDEX = 'file:///opt/BOFT%20Studio/resources/app/renderer/dist/index.html';

class FakeContents implements WebContentsLike {
  sent: ServerMessageOut[] = [];
  destroyed = false;
  private onDestroyed: (() => void) | null = null;
  constructor(readonly id: number) {}
  isDestroyed(): boolean {
    return this.destroyed;
  }
  send(channel: string, m: ServerMessageOut): void {
    expect(channel).toBe('boft:server');
    this.sent.push(m);
  }
  once(_e: 'destroyed', l: () => void): void {
    this.onDestroyed = l;
  }
  destroy(): void {
    this.destroyed = true;
    this.onDestroyed?.();
  }
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('window policy', () => {
  it('locks the renderer down', () => {
    expect(secureWebPreferences('/p/preload.cjs')).toMatchObject({
      preload: '/p/preload.cjs', contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false,
    });
  });

  it('accepts only our own top frame as a sender', () => {
    expect(senderAllowed({ url: INDEX, isMainFrame: true }, INDEX)).toBe(true);
    expect(senderAllowed({ url: `${INDEX}#/train`, isMainFrame: true }, INDEX)).toBe(true);
    expect(senderAllowed({ url: INDEX, isMainFrame: false }, INDEX)).toBe(false);
    expect(senderAllowed({ url: 'https://evil.example/', isMainFrame: true }, INDEX)).toBe(false);
    expect(senderAllowed({ url: 'file:///etc/passwd', isMainFrame: true }, INDEX)).toBe(false);
    expect(senderAllowed(null, INDEX)).toBe(false);
    expect(isAppUrl('file:///opt/BOFT%20Studio/resources/app/renderer/dist/assets/x.js', INDEX)).toBe(true);
  });

  it('opens only plain web links externally', () => {
    expect(externalUrlAllowed('https://arxiv.org/abs/2311.06243')).toBe(true);
    for (const bad of ['file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'https://user:pw@host/', 'not a url', 'ms-settings:']) {
      expect(externalUrlAllowed(bad)).toBe(false);
    }
  });

  it('replaces any CSP with ours, without unsafe-eval', () => {
    const h = withSecurityHeaders({ 'content-security-policy': ["script-src 'unsafe-eval'"], Server: ['x'] });
    expect(h['content-security-policy']).toBeUndefined();
    expect(String(h['Content-Security-Policy'])).toContain("script-src 'self'");
    expect(String(h['Content-Security-Policy'])).not.toContain('unsafe-eval');
    expect(h.Server).toEqual(['x']);
  });
});

describe('IpcRouter', () => {
  function setup() {
    const hub = new EventHub();
    const service = new StudioService(fakeDeps(), (e) => hub.emit(e));
    const logs: string[] = [];
    const router = new IpcRouter(createLocalEndpoint(service.handlers(), hub), INDEX, 'boft:server', (l) => logs.push(l));
    return { router, logs, hub };
  }
  const frame = { url: INDEX, isMainFrame: true };

  it('answers our window, validates payloads, and ignores foreign frames', async () => {
    const { router, logs } = setup();
    const wc = new FakeContents(1);
    router.receive({ sender: wc, senderFrame: frame }, { kind: 'request', id: 1, method: 'app.info', params: {} });
    router.receive({ sender: wc, senderFrame: frame }, { kind: 'request', id: 2, method: 'model.openFolder', params: { path: ['x'] } });
    router.receive({ sender: wc, senderFrame: { url: 'https://evil.example/', isMainFrame: true } }, { kind: 'request', id: 3, method: 'app.info', params: {} });
    router.receive({ sender: wc, senderFrame: { url: INDEX, isMainFrame: false } }, { kind: 'request', id: 4, method: 'app.info', params: {} });
    await tick();
    const ids = wc.sent.filter((m) => m.kind === 'response').map((m) => (m.kind === 'response' ? [m.id, m.result.ok] : null));
    expect(ids.sort()).toEqual([[1, true], [2, false]]); // invalid ones are answered at once, before async ones
    expect(logs).toHaveLength(2);
  });

  it('keeps one connection per window and drops it on reload or close', async () => {
    const { router, hub } = setup();
    const a = new FakeContents(1);
    const b = new FakeContents(2);
    router.receive({ sender: a, senderFrame: frame }, { kind: 'request', id: 1, method: 'app.info', params: {} });
    router.receive({ sender: b, senderFrame: frame }, { kind: 'request', id: 1, method: 'app.info', params: {} });
    await tick();
    expect(router.connectionCount).toBe(2);
    hub.emit({ type: 'log', level: 'info', message: 'to both' });
    expect(a.sent.filter((m) => m.kind === 'event')).toHaveLength(1);
    expect(b.sent.filter((m) => m.kind === 'event')).toHaveLength(1);
    router.reset(1); // reload of window 1
    b.destroy();
    expect(router.connectionCount).toBe(0);
    hub.emit({ type: 'log', level: 'info', message: 'to nobody' });
    expect(a.sent.filter((m) => m.kind === 'event')).toHaveLength(1);
  });
});

describe('IpcRouter connect hook (queued OS file-open requests)', () => {
  it('fires once per new window connection, after it exists', async () => {
    const hub = new EventHub();
    const service = new StudioService(fakeDeps(), (e) => hub.emit(e));
    const connected: number[] = [];
    const wc = new FakeContents(7);
    const router = new IpcRouter(createLocalEndpoint(service.handlers(), hub), INDEX, 'boft:server', () => {}, (id) => {
      connected.push(id);
      hub.emit({ type: 'app.openFile', path: '/home/u/p.boftproj' });
    });
    const msg = { kind: 'request', id: 1, method: 'app.info', params: {} };
    router.receive({ sender: wc, senderFrame: { url: INDEX, isMainFrame: true } }, msg);
    router.receive({ sender: wc, senderFrame: { url: INDEX, isMainFrame: true } }, { ...msg, id: 2 });
    await tick();
    expect(connected).toEqual([7]);
    expect(wc.sent.filter((m) => m.kind === 'event').map((m) => (m.kind === 'event' ? m.event : null))).toEqual([{ type: 'app.openFile', path: '/home/u/p.boftproj' }]);
  });
});

describe('renderer page CSP (file:// pages get no response headers, so the meta tag is what applies in Electron)', () => {
  it('index.html carries a strict CSP meta tag without unsafe-eval', async () => {
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { appRoot } = await import('../node/paths');
    const html = readFileSync(join(appRoot(), 'renderer', 'index.html'), 'utf8');
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html);
    expect(meta?.[1]).toContain("script-src 'self'");
    expect(meta?.[1]).toContain("object-src 'none'");
    expect(meta?.[1]).not.toContain('unsafe-eval');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline scripts
  });
});
