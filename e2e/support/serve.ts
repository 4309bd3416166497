// Starts the real `boft serve --port 0` and reads the URL it prints.
import { spawn, type ChildProcess } from 'node:child_process';

export interface Served {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

export async function startBoftServe(timeoutMs = 120_000): Promise<Served> {
  // Its own process group: npx → tsx → node is three processes, and signalling only npx has
  // left a training server running after a failed test. The group is signalled as a whole,
  // also when this test process exits without calling stop().
  const child: ChildProcess = spawn('npx', ['tsx', 'core/node/cli.ts', 'serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const signalGroup = (sig: NodeJS.Signals): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, sig);
    } catch {
      // already gone
    }
  };
  const onExit = (): void => signalGroup('SIGKILL');
  process.once('exit', onExit);
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`boft serve printed no URL within ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const onData = (b: Buffer): void => {
      out += b.toString();
      const m = /BOFT Studio: (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      signalGroup('SIGKILL');
      reject(new Error(`boft serve exited with ${code} before printing its URL:\n${out}`));
    });
  });
  return {
    url,
    output: () => out,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      const kill = setTimeout(() => signalGroup('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearTimeout(kill);
        signalGroup('SIGKILL'); // whatever of the group is left
        process.removeListener('exit', onExit);
        resolve();
      });
      signalGroup('SIGINT');
    }),
  };
}
