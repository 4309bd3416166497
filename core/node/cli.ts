// `boft <command> [args]`: dispatches to core/node/commands/<command>.ts. To add a command,
// write its file (exporting `command: CliCommand`) and add one line to COMMANDS.
import { pathToFileURL } from 'node:url';
import type { CliCommand, CliIO } from './commands/types';
import { UsageError } from './commands/types';

type Loader = () => Promise<{ command: CliCommand }>;

/** Lazy, so `boft --help` and each command load only what they use. */
export const COMMANDS: Record<string, Loader> = {
  convert: () => import('./commands/convert'),
  train: () => import('./commands/train'),
  demo: () => import('./commands/demo'),
  'export-peft': () => import('./commands/export-peft'),
  run: () => import('./commands/run'),
  merge: () => import('./commands/merge'),
  inspect: () => import('./commands/inspect'),
  serve: () => import('./commands/serve'),
  start: () => import('./commands/start'),
};

const consoleIO: CliIO = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

const USAGE = 'usage: boft <command> [args]   (boft <command> --help for details)';

/** Full help: loads every command for its summary (a broken one is listed, not fatal). */
async function overview(): Promise<string> {
  const lines = [USAGE, '', 'commands:'];
  for (const [name, load] of Object.entries(COMMANDS)) {
    const summary = await load().then((m) => m.command.summary, (e: unknown) => `(failed to load: ${(e as Error).message})`);
    lines.push(`  ${name.padEnd(10)} ${summary}`);
  }
  return lines.join('\n');
}

/** Runs the CLI on `argv` (without node/script); returns the exit code. */
export async function main(argv: string[], io: CliIO = consoleIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(await overview());
    return name === undefined ? 2 : 0;
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load) {
    io.err(`boft: unknown command '${name}'; valid: ${Object.keys(COMMANDS).join(', ')}\n${USAGE}`);
    return 2;
  }
  const { command } = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.usage);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`boft ${name}: ${e.message}\n\n${command.usage}`);
      return 2;
    }
    io.err(`boft ${name}: ${(e as Error).message}`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`boft: ${(e as Error).stack ?? String(e)}\n`);
      process.exit(1);
    },
  );
}
