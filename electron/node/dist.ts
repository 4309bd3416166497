// `npm run dist`: preflight (fails fast without an Electron runtime), then build the
// renderer and the Electron bundles, then electron-builder with build/electron-builder.json.
// Extra arguments go to electron-builder (e.g. `npm run dist -- --linux AppImage`).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { appRoot } from './paths';
import { preflight } from './dist-preflight';

function run(cmd: string, args: string[], cwd: string): void {
  const r = spawnSync(cmd, args, { cwd, stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
}

async function main(): Promise<number> {
  const root = appRoot();
  const electronPkg = JSON.parse(readFileSync(join(root, 'node_modules', 'electron', 'package.json'), 'utf8')) as { version: string };
  const check = await preflight({
    version: electronPkg.version, platform: process.platform, arch: process.arch, env: process.env,
    localDist: join(root, 'node_modules', 'electron', 'dist'),
  });
  if (!check.ok) {
    process.stderr.write(`${check.message}\n`);
    return 1;
  }
  process.stdout.write(`Electron runtime: ${check.source === 'local' ? check.electronDist : check.detail}\n`);
  run('npm', ['run', '-s', 'build:renderer'], root);
  run(process.execPath, [join(root, 'build', 'bundle.mjs')], root);
  const builder = join(root, 'node_modules', '.bin', 'electron-builder');
  const extra = check.source === 'local' ? [`-c.electronDist=${check.electronDist}`] : [];
  run(builder, ['--config', 'build/electron-builder.json', '--publish', 'never', ...extra, ...process.argv.slice(2)], root);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`npm run dist: ${(e as Error).message}\n`);
    process.exit(1);
  },
);
