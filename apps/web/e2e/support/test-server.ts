import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The API keys of the users the test server starts with, one per role. */
export interface TestKeys {
  admin: string;
  operator: string;
  developer: string;
  viewer: string;
}

export interface TestServer {
  url: string;
  keys: TestKeys;
  pid: number;
  stop(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));
export const WEB_ROOT = join(here, '..', '..', 'dist');
/** The built `taskport` command of this repository. */
const CLI = join(here, '..', '..', '..', 'cli', 'dist', 'main.js');

/**
 * Starts the real `taskport server` (the CLI verb, as a user would) on 127.0.0.1 with a free port, the
 * local provider in a fresh directory and the built console as its web root: first
 * `taskport server --bootstrap-admin` for the admin's key, then the server itself, then one user per
 * other role through the API. `stop()` sends SIGTERM to the server's pid (SIGKILL after 5 s) and removes
 * the directory.
 */
export async function startTestServer(): Promise<TestServer> {
  const root = mkdtempSync(join(tmpdir(), 'taskport-web-e2e-'));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: root,
    XDG_CONFIG_HOME: join(root, 'config'),
    XDG_STATE_HOME: join(root, 'state'),
    TASKPORT_DATA_DIR: join(root, 'data'),
    // Generous: the 100,000-line test and the polling views share one key per role.
    TASKPORT_RATE_LIMIT: '1000/s,burst=5000',
  };
  const bootstrap = spawnSync(process.execPath, [CLI, 'server', '--bootstrap-admin', 'admin@example.com'], {
    cwd: root,
    env,
    encoding: 'utf8',
  });
  const admin = bootstrap.stdout.trim();
  if (bootstrap.status !== 0 || !admin) {
    rmSync(root, { recursive: true, force: true });
    throw new Error(`taskport server --bootstrap-admin failed (${bootstrap.status}): ${bootstrap.stderr}`);
  }

  const child = spawn(process.execPath, [CLI, 'server', '--listen', '127.0.0.1:0', '--web-root', WEB_ROOT], {
    cwd: root,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stderr: string[] = [];
  const stop = () => stopChild(child, root);
  try {
    const url = await listeningUrl(child, stderr, 30_000);
    const keys: TestKeys = { admin, operator: '', developer: '', viewer: '' };
    for (const role of ['operator', 'developer', 'viewer'] as const) {
      const response = await fetch(`${url}/api/v1/users`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ email: `${role}@example.com`, role }),
      });
      if (!response.ok)
        throw new Error(`creating the ${role}: HTTP ${response.status} ${await response.text()}`);
      keys[role] = ((await response.json()) as { apiKey: string }).apiKey;
    }
    return { url, keys, pid: child.pid as number, stop };
  } catch (error) {
    await stop();
    throw new Error(`the taskport server did not start: ${(error as Error).message}\n${stderr.join('')}`);
  }
}

/** Waits for the server's "listening on http://..." line on stderr. */
function listeningUrl(child: ChildProcess, stderr: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`no "listening on" after ${timeoutMs} ms`)), timeoutMs);
    child.stderr?.on('data', (chunk: Buffer) => {
      const part = chunk.toString();
      stderr.push(part);
      if (stderr.length > 200) stderr.shift();
      text += part;
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(text);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`taskport server exited (${code ?? signal})`));
    });
  });
}

async function stopChild(child: ChildProcess, root: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null && child.pid) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    process.kill(child.pid, 'SIGTERM');
    const timer = setTimeout(() => child.pid && process.kill(child.pid, 'SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
  rmSync(root, { recursive: true, force: true });
}
