// Builds the renderer into renderer/dist: served by `boft serve` in browser mode and loaded
// by the Electron window. esbuild compiles the JSX (no React plugin needed). Paths come from
// import.meta.url (a URL global), since this folder's lint forbids Node imports.
import { defineConfig } from 'vite';

const here = (file: string): string => decodeURIComponent(new URL(file, import.meta.url).pathname);

export default defineConfig({
  root: here('.'),
  base: './',
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // No inline scripts: the studio's CSP allows only 'self' scripts.
    modulePreload: { polyfill: false },
    rollupOptions: { input: { index: here('index.html'), bench: here('bench.html') } },
  },
});
