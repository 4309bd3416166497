// The client trusts nothing: a hand-driven transport feeds it bad responses and events.
import { describe, expect, it } from 'vitest';
import { createClient, type ClientTransport, type ProtocolProblem } from './client';
import type { ClientMessage } from './contract';
import { Dispatcher, type Handlers } from './dispatcher';
import { selectTransport, webSocketUrl, findBridge } from './transports';

function manualTransport() {
  const sent: ClientMessage[] = [];
  let listener: (m: unknown) => void = () => {};
  let onClose: (r: string) => void = () => {};
  const t: ClientTransport = {
    send: (m) => sent.push(m),
    onMessage: (l) => ((listener = l), () => {}),
    onClose: (l) => ((onClose = l), () => {}),
    close: () => {},
  };
  return { t, sent, push: (m: unknown) => listener(m), drop: (r: string) => onClose(r) };
}

const info = { appVersion: '1', mode: 'browser', backend: 'wasm', platform: 'linux', versions: {} };

describe('client validation', () => {
  it('turns an out-of-contract response into INTERNAL and keeps valid ones', async () => {
    const m = manualTransport();
    const c = createClient(m.t);
    const bad = c.call('app.info', {});
    const good = c.call('app.info', {});
    expect(m.sent.map((s) => s.id)).toEqual([1, 2]);
    m.push({ kind: 'response', id: 1, result: { ok: true, value: { ...info, mode: 'root-shell' } } });
    m.push({ kind: 'response', id: 2, result: { ok: true, value: info } });
    expect(await bad).toMatchObject({ ok: false, error: { code: 'INTERNAL', message: expect.stringContaining('outside the contract') } });
    expect(await good).toEqual({ ok: true, value: info });
  });

  it('drops invalid and duplicate events, reports gaps, keeps order', () => {
    const m = manualTransport();
    const c = createClient(m.t);
    const seen: number[] = [];
    const problems: ProtocolProblem['kind'][] = [];
    c.onAny((_e, seq) => seen.push(seq));
    c.onProblem((p) => problems.push(p.kind));
    const log = { type: 'log', level: 'info', message: 'x' };
    m.push({ kind: 'event', seq: 1, event: log });
    m.push({ kind: 'event', seq: 1, event: log }); // duplicate
    m.push({ kind: 'event', seq: 2, event: { type: 'log', level: 'shout', message: 'x' } }); // invalid
    m.push({ kind: 'event', seq: 4, event: log }); // gap: 2..3 missed
    m.push({ nonsense: true });
    m.push({ kind: 'response', id: 99, result: { ok: true, value: 1 } });
    expect(seen).toEqual([1, 4]);
    expect(problems).toEqual(['invalid-event', 'seq-gap', 'invalid-message', 'unknown-response']);
    expect(c.lastSeq).toBe(4);
  });

  it('sends cancel on abort and fails pending calls when the transport closes', async () => {
    const m = manualTransport();
    const c = createClient(m.t);
    const ctl = new AbortController();
    const p = c.call('model.openSample', {}, { signal: ctl.signal });
    ctl.abort();
    expect(m.sent).toEqual([{ kind: 'request', id: 1, method: 'model.openSample', params: {} }, { kind: 'cancel', id: 1 }]);
    m.drop('socket closed');
    expect(await p).toMatchObject({ ok: false, error: { code: 'DISCONNECTED', message: 'connection closed: socket closed' } });
  });
});

describe('dispatcher', () => {
  it('checks handler output against the contract and answers malformed ids', async () => {
    const handlers = { 'app.info': async () => ({ nope: 1 }) } as unknown as Handlers;
    const d = new Dispatcher(handlers);
    const replies: unknown[] = [];
    d.receive('c', { kind: 'request', id: 3, method: 'app.info', params: {} }, (r) => replies.push(r));
    d.receive('c', { kind: 'request', id: 4, method: 'app.info', params: [] }, (r) => replies.push(r));
    d.receive('c', { kind: 'request', id: -1, method: 'app.info' }, (r) => replies.push(r));
    d.receive('c', 'garbage', (r) => replies.push(r));
    await new Promise((r) => setTimeout(r, 1));
    expect(replies).toHaveLength(2);
    expect(replies).toContainEqual({ kind: 'response', id: 4, result: expect.objectContaining({ ok: false, error: expect.objectContaining({ code: 'INVALID_REQUEST' }) }) });
    expect(replies).toContainEqual({ kind: 'response', id: 3, result: expect.objectContaining({ ok: false, error: expect.objectContaining({ code: 'INTERNAL' }) }) });
  });
});

describe('transport selection', () => {
  it('uses the preload bridge when present, else a WebSocket carrying the page token', () => {
    const bridge = { send: () => {}, onMessage: () => () => {} };
    expect(findBridge({ boftBridge: bridge })).toBe(bridge);
    expect(findBridge({ boftBridge: { send: 1 } })).toBeUndefined();
    const urls: string[] = [];
    const ws = { readyState: 0, send: () => {}, close: () => {}, addEventListener: () => {} };
    expect(selectTransport({ bridge, href: 'x', createWebSocket: () => ws }).kind).toBe('ipc');
    const picked = selectTransport({ bridge: undefined, href: 'http://127.0.0.1:5/?token=abc', createWebSocket: (u) => (urls.push(u), ws) });
    expect(picked.kind).toBe('websocket');
    expect(urls).toEqual(['ws://127.0.0.1:5/ws?token=abc']);
    expect(webSocketUrl('https://h/app/?token=t%2B1')).toBe('wss://h/ws?token=t%2B1');
    expect(() => webSocketUrl('http://127.0.0.1:5/')).toThrow(/no \?token=/);
  });
});
