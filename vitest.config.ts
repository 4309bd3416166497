import { defineConfig } from 'vitest/config';

// Core numerics run twice, once per backend that installs from npm here; the rest once.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'core-cpu',
          include: ['core/**/*.test.ts'],
          setupFiles: ['core/testing/setup.ts'],
          env: { BOFT_TEST_BACKEND: 'cpu' },
          pool: 'forks',
        },
      },
      {
        extends: true,
        test: {
          name: 'core-wasm',
          include: ['core/**/*.test.ts'],
          exclude: ['core/node/**/*.test.ts'],
          setupFiles: ['core/testing/setup.ts'],
          env: { BOFT_TEST_BACKEND: 'wasm' },
          pool: 'forks',
        },
      },
      {
        extends: true,
        test: {
          name: 'app',
          include: ['electron/**/*.test.ts', 'renderer/**/*.test.ts'],
          pool: 'forks',
        },
      },
      {
        // Component tests render React into a DOM; the rest of the app project stays on Node.
        extends: true,
        test: {
          name: 'app-dom',
          include: ['renderer/**/*.test.tsx'],
          environment: 'happy-dom',
          setupFiles: ['renderer/src/testing/dom-setup.ts'],
          pool: 'forks',
        },
      },
    ],
  },
});
