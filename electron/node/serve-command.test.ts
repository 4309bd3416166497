// `boft serve` as the CLI runs it: argument checks, the one parseable URL line, and a
// clean stop. (Security of the server itself: server.test.ts.)
import { describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { parseServeArgs, serve } from '../../core/node/commands/serve';
import { UsageError } from '../../core/node/commands/types';

describe('boft serve', () => {
  it('checks its arguments', () => {
    expect(parseServeArgs([])).toEqual({ port: 0, host: '127.0.0.1', backend: 'auto' });
    expect(parseServeArgs(['--port', '8123', '--host', '::1', '--backend', 'cpu'])).toEqual({ port: 8123, host: '::1', backend: 'cpu' });
    expect(() => parseServeArgs(['--port', '70000'])).toThrow(UsageError);
    expect(() => parseServeArgs(['--port=1.5'])).toThrow(/--port=1.5 must be an integer in 0\.\.65535/);
    expect(() => parseServeArgs(['--backend', 'gpu'])).toThrow(/valid: auto, tensorflow, wasm, cpu/);
    expect(() => parseServeArgs(['extra'])).toThrow(/unexpected argument 'extra'/);
  });

  it('prints one URL line with the token and refuses a load without it', async () => {
    const out: string[] = [];
    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    const running = serve({ port: 0, host: '127.0.0.1', backend: 'cpu' }, { out: (l) => out.push(l), err: () => {} }, stopped);
    for (let i = 0; i < 100 && out.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(out).toHaveLength(1);
    const m = /^BOFT Studio: (http:\/\/127\.0\.0\.1:(\d+)\/\?token=[A-Za-z0-9_-]{43})$/.exec(out[0]);
    expect(m).not.toBeNull();
    const status = await new Promise<number>((ok) => request({ host: '127.0.0.1', port: Number(m?.[2]), path: '/' }, (res) => ok(res.statusCode ?? 0)).end());
    expect(status).toBe(401);
    stop();
    expect(await running).toBe(0);
  }, 30_000);
});
