import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { startTestServer, type TestKeys, WEB_ROOT } from './test-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    serverUrl: string;
    keys: TestKeys;
    chromium: string;
  }
}

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Once per run: Debian's chromium (installed if missing), the built console (the `test` script builds
 * it first), and one real taskport server, stopped by pid when the run ends, passed or not.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const found = spawnSync('bash', [join(here, 'ensure-chromium.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const chromium = found.stdout.trim().split('\n').at(-1) ?? '';
  if (found.status !== 0 || !chromium) {
    throw new Error('Debian chromium is required for the browser suite: apt-get install -y chromium');
  }
  if (!existsSync(join(WEB_ROOT, 'index.html'))) {
    throw new Error(`no built console at ${WEB_ROOT}: run \`pnpm --filter @taskport/web build\` first`);
  }
  const server = await startTestServer();
  const stopOnExit = () => {
    try {
      process.kill(server.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  process.once('exit', stopOnExit);
  project.provide('serverUrl', server.url);
  project.provide('keys', server.keys);
  project.provide('chromium', chromium);
  return async () => {
    process.off('exit', stopOnExit);
    await server.stop();
  };
}
