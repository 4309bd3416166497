// The contract every `boft <command>` implements. A command is one file in this folder
// exporting `command`, plus one line in core/node/cli.ts's COMMANDS table.
import { parseArgs } from 'node:util';

export interface CliIO {
  out: (line: string) => void;
  err: (line: string) => void;
}

export interface CliCommand {
  name: string;
  /** One line for `boft --help`. */
  summary: string;
  /** Full usage text for `boft <command> --help` and usage errors. */
  usage: string;
  /** Returns the exit code: 0 ok, 1 failure, 2 usage error. */
  run(argv: string[], io: CliIO): Promise<number>;
}

/** Thrown for bad arguments; the dispatcher prints the command's usage and exits 2. */
export class UsageError extends Error {}

export type OptionSpec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;

export interface ParsedCli {
  positionals: string[];
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
}

/** node:util parseArgs, strict, with errors turned into UsageError. */
export function parseCli(argv: string[], options: OptionSpec): ParsedCli {
  try {
    const { positionals, values } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { positionals, values: values as ParsedCli['values'] };
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
