// Bundles the Electron side with esbuild into dist/electron/: main (ESM), the core worker
// (ESM) and the preload (CommonJS, as sandboxed preloads must be). npm packages stay
// external: electron-builder ships them in node_modules. Usage: node build/bundle.mjs [outdir]
import { build } from 'esbuild';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = resolve(process.argv[2] ?? join(root, 'dist', 'electron'));

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  packages: 'external',
  external: ['electron'],
  logLevel: 'warning',
  absWorkingDir: root,
};

await Promise.all([
  build({ ...common, entryPoints: ['electron/main/main.ts'], outfile: join(out, 'main', 'main.js'), format: 'esm' }),
  build({ ...common, entryPoints: ['electron/worker/worker-main.ts'], outfile: join(out, 'worker', 'worker.js'), format: 'esm' }),
  // A sandboxed preload can require only 'electron': everything else is bundled in.
  build({ ...common, packages: undefined, entryPoints: ['electron/preload/preload.ts'], outfile: join(out, 'preload', 'preload.cjs'), format: 'cjs' }),
]);
process.stdout.write(`bundled main, worker and preload into ${out}\n`);
