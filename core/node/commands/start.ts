// `boft start`: the desktop app. Launches Electron on the built bundle; where no Electron
// runtime exists it says so in one line and runs browser mode (`boft serve`) instead.
import { spawn } from 'node:child_process';
import { parseServeArgs, serve, untilSignal } from './serve';
import type { CliCommand, CliIO } from './types';

const usage = `usage: boft start [--port N] [--host H] [--backend B]

Starts the BOFT Studio desktop app (build it first: \`npm run build:electron\`; \`npm start\`
does both). Without an Electron runtime it starts browser mode and prints its URL; the
options apply to that mode.`;

export async function start(argv: string[], io: CliIO): Promise<number> {
  const args = parseServeArgs(argv);
  const { findElectronRuntime } = await import('../../../electron/node/electron-runtime');
  const { appRoot } = await import('../../../electron/node/paths');
  const runtime = findElectronRuntime();
  if (!runtime.found) {
    io.out(`Electron runtime not found (${runtime.reason}); starting browser mode instead.`);
    return serve(args, io, untilSignal());
  }
  const child = spawn(runtime.path, [appRoot()], { stdio: 'inherit', env: { ...process.env, ELECTRON_RUN_AS_NODE: undefined } });
  return new Promise((resolve) => {
    child.on('exit', (code) => resolve(code ?? 1));
    child.on('error', (e) => {
      io.err(`cannot start Electron (${e.message})`);
      resolve(1);
    });
  });
}

export const command: CliCommand = { name: 'start', summary: 'start the desktop app (browser mode without Electron)', usage, run: start };
