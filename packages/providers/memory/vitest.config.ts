import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Every test by name, so a CI log shows each contract suite and each of its tests passing.
    reporters: ['verbose'],
  },
});
