import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Installs the engine when missing (apt-get), starts an isolated dockerd, a local registry and the
    // busybox test image once for the run, and stops all of it by pid at the end.
    globalSetup: ['./test/support/global-setup.ts'],
    // Every test by name, so a CI log shows each contract suite and each of its tests passing.
    reporters: ['verbose'],
    // One engine, and tests that sweep it (prune): files run one after the other.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
