import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The tests drive the built package (as `taskport server` does); say how to build it when it is missing. */
export default function setup(): void {
  const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
  if (!existsSync(dist)) {
    throw new Error(
      'apps/server is not built: run `pnpm exec turbo run build --filter @taskport/server...` first',
    );
  }
}
