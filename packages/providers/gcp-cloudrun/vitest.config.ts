import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Starts the Cloud Run + Cloud Logging fake (a child process) once for the run; tests read its address
    // with inject('gcpEndpoint') and drive its runtime through inject('gcpControl').
    globalSetup: ['./test/support/global-setup.ts'],
    reporters: ['verbose'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
