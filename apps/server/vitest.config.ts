import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The end-to-end tests start real servers and real local tasks; nothing asserts on time.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    globalSetup: ['./test/global-setup.ts'],
  },
});
