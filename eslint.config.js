// Layering by runtime, as VS Code does it: each folder may use only the globals and
// imports of the runtime it runs in. Lint enforces it so a leak fails CI, not review.
import tseslint from 'typescript-eslint';
import globals from 'globals';

const nodeBuiltins = [
  'fs', 'fs/promises', 'path', 'os', 'child_process', 'worker_threads', 'http', 'https', 'net', 'crypto',
  'url', 'stream', 'util', 'events', 'module', 'readline', 'zlib', 'process', 'buffer', 'perf_hooks',
];
const nodeImportBan = nodeBuiltins.flatMap((n) => [n, `node:${n}`]);

const pureGlobalsBan = [
  ...['process', 'require', 'module', '__dirname', '__filename', 'Buffer', 'global', 'setImmediate'].map((name) => ({
    name, message: 'core/ is runtime-neutral: no Node globals outside core/node/.',
  })),
  ...['window', 'document', 'navigator', 'localStorage', 'location', 'HTMLElement'].map((name) => ({
    name, message: 'core/ is runtime-neutral: no DOM globals.',
  })),
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'out/**', '.venv-ref/**', 'test-results/**', 'playwright-report/**', 'assets/**', 'e2e/screenshots/**', 'renderer/dist/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', { selector: 'TSAnyKeyword', message: 'no any' }],
    },
  },
  {
    files: ['core/**/*.ts'],
    ignores: ['core/node/**', 'core/bench/**', 'core/**/*.test.ts', 'core/testing/setup.ts', 'core/testing/node/**'],
    rules: {
      'no-restricted-globals': ['error', ...pureGlobalsBan],
      'no-restricted-imports': ['error', {
        paths: nodeImportBan.map((name) => ({ name, message: 'core/ is runtime-neutral; Node code lives in core/node/.' })),
        patterns: [{ group: ['**/electron/**', '**/renderer/**', 'electron', 'react'], message: 'core/ imports nothing from the app.' }],
      }],
    },
  },
  {
    files: ['core/node/**/*.ts', 'core/bench/**/*.ts', 'core/**/*.test.ts', 'core/testing/setup.ts', 'core/testing/node/**/*.ts'],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['**/electron/**', '**/renderer/**', 'electron', 'react'], message: 'core/ imports nothing from the app.' }],
      }],
    },
  },
  {
    files: ['electron/shared/**/*.ts'],
    rules: {
      'no-restricted-globals': ['error', ...pureGlobalsBan],
      'no-restricted-imports': ['error', {
        paths: nodeImportBan.map((name) => ({ name, message: 'electron/shared is the contract: runtime-neutral.' })),
        patterns: [{ group: ['**/core/**', '**/renderer/**', '**/main/**', '**/preload/**', '**/worker/**', 'electron'], message: 'electron/shared depends only on schema libraries.' }],
      }],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-globals': ['error', ...['process', 'require', 'module', '__dirname', '__filename', 'Buffer', 'global'].map((name) => ({ name, message: 'renderer has no Node.' }))],
      'no-restricted-imports': ['error', {
        // 'electron' (the package) is a path entry: as a gitignore-style pattern it would also match ../electron/shared.
        paths: [...nodeImportBan.map((name) => ({ name, message: 'renderer has no Node.' })), { name: 'electron', message: 'renderer imports only the shared contract (electron/shared).' }],
        patterns: [{ group: ['**/core/**', '**/electron/main/**', '**/electron/preload/**', '**/electron/worker/**', '**/electron/node/**', '@tensorflow/*'], message: 'renderer imports only the shared contract (electron/shared).' }],
      }],
    },
  },
  {
    files: ['electron/main/**/*.ts', 'electron/worker/**/*.ts', 'electron/preload/**/*.ts', 'electron/node/**/*.ts', 'e2e/**/*.ts', '*.ts', '*.js', 'build/**/*.js', 'build/**/*.cjs', 'bin/**/*.mjs', '.ci/**/*.mjs'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['electron/main/**/*.ts', 'electron/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['**/renderer/**'], message: 'main/preload never import the renderer.' }],
      }],
    },
  },
);
