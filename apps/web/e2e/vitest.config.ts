import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The browser suite: Debian's chromium driven by playwright-core against a real taskport server (local
// provider) serving the built console. One file at a time: each launches a browser, and the machine
// running CI has two cores.
export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['e2e/**/*.e2e.ts'],
    globalSetup: ['e2e/support/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 60_000,
  },
});
