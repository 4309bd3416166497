// `boft serve [--port N] [--host H] [--backend B]`: the studio in a browser (headless GPU
// boxes). The app layer does the work (electron/node/studio.ts); this file is its CLI face.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCli, UsageError, type CliCommand, type CliIO } from './types';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** A checkout has no built renderer until its first build; do it once rather than serve a 503. */
export function ensureRendererBuilt(io: CliIO, root = ROOT): void {
  if (existsSync(join(root, 'renderer', 'dist', 'index.html'))) return;
  io.err('building the renderer (first run only)…');
  const r = spawnSync('npm', ['run', '-s', 'build:renderer'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`building the renderer failed (exit ${String(r.status)}); run \`npm run build:renderer\` to see why`);
}

const usage = `usage: boft serve [--port N] [--host H] [--backend auto|tensorflow|wasm|cpu]

Serves BOFT Studio (the built renderer, \`npm run build:renderer\`) and its API over
WebSocket. Binds 127.0.0.1 by default; --port 0 (the default) picks a free port. Prints
one line, "BOFT Studio: http://HOST:PORT/?token=...": every page load and socket must
present that token. Ctrl-C stops it.`;

export interface ServeArgs {
  port: number;
  host: string;
  backend: string;
}

export function parseServeArgs(argv: string[]): ServeArgs {
  const { positionals, values } = parseCli(argv, { port: { type: 'string' }, host: { type: 'string' }, backend: { type: 'string' } });
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const portText = (values.port as string | undefined) ?? '0';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new UsageError(`--port=${portText} must be an integer in 0..65535 (0 = any free port)`);
  const backend = (values.backend as string | undefined) ?? 'auto';
  if (!['auto', 'tensorflow', 'wasm', 'cpu'].includes(backend)) throw new UsageError(`--backend=${backend}; valid: auto, tensorflow, wasm, cpu`);
  const host = (values.host as string | undefined) ?? '127.0.0.1';
  if (host.trim() === '') throw new UsageError('--host must not be empty');
  return { port, host, backend };
}

/** Starts the studio server; resolves with the exit code once `stop` resolves. */
export async function serve(args: ServeArgs, io: CliIO, stop: Promise<unknown>): Promise<number> {
  // The CLI delegates to the app layer it fronts; loaded lazily so other commands never pay for it.
  const { startBrowserStudio, urlLine } = await import('../../../electron/node/studio');
  if (!['127.0.0.1', 'localhost', '::1'].includes(args.host)) {
    io.err(`warning: --host ${args.host} makes the studio reachable from the network; the token in the URL is its only protection`);
  }
  ensureRendererBuilt(io);
  const studio = await startBrowserStudio({ host: args.host, port: args.port, backend: args.backend, log: (l) => io.err(l) });
  io.out(urlLine(studio.server));
  await stop;
  await studio.close();
  return 0;
}

export function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, () => resolve(s));
  });
}

export const command: CliCommand = {
  name: 'serve',
  summary: 'run BOFT Studio in the browser (local server with a token)',
  usage,
  run: (argv, io) => serve(parseServeArgs(argv), io, untilSignal()),
};
