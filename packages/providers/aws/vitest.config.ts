import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Starts moto (server mode) once for the run; tests read its endpoint with inject('motoEndpoint').
    globalSetup: ['./test/support/global-setup.ts'],
    // Every test by name, so a CI log shows each contract suite and each of its tests passing.
    reporters: ['verbose'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
