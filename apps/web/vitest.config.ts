import { defineConfig } from 'vitest/config';

// Unit tests of the plain TypeScript modules (log buffer, ANSI, SSE parsing, API client). The browser
// suite has its own config in e2e/.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
  },
});
