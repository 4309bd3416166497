// Vitest setup: every core test file runs on the backend named by BOFT_TEST_BACKEND.
import { beforeAll } from 'vitest';
import { initBackend, parseBackend } from '../node/backend';

beforeAll(async () => {
  await initBackend(parseBackend(process.env.BOFT_TEST_BACKEND ?? 'cpu'));
});
