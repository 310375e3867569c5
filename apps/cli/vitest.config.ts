import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // End-to-end tests spawn the built CLI several times per test; no test asserts on time.
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
});
