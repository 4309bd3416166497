// Builds the renderer into renderer/dist: served by `boft serve` in browser mode and loaded
// by the Electron window. esbuild compiles the JSX (no React plugin needed).
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: './',
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // No eval and no inline scripts: the Electron CSP forbids unsafe-eval and unsafe-inline scripts.
    modulePreload: { polyfill: false },
    rollupOptions: {
      input: { index: fileURLToPath(new URL('index.html', import.meta.url)), bench: fileURLToPath(new URL('bench.html', import.meta.url)) },
    },
  },
});
