import { type ChildProcess, spawn } from 'node:child_process';
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

/**
 * Starts `server-process.mjs` on 127.0.0.1 (a free port) with the local provider in a fresh directory,
 * and resolves once it prints its address. `stop()` sends SIGTERM to that pid, SIGKILL after 5 s, and
 * removes the directory.
 */
export async function startTestServer(): Promise<TestServer> {
  const root = mkdtempSync(join(tmpdir(), 'taskport-web-e2e-'));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: root,
    XDG_CONFIG_HOME: join(root, 'config'),
    XDG_STATE_HOME: join(root, 'state'),
    TASKPORT_DATA_DIR: join(root, 'data'),
    TASKPORT_WEB_ROOT: WEB_ROOT,
    // Generous: the 100,000-line test reads its log in large pages from one key.
    TASKPORT_RATE_LIMIT: '1000/s,burst=5000',
  };
  if (process.env.TASKPORT_WEB_E2E_SERVER_MODULE) {
    env.TASKPORT_WEB_E2E_SERVER_MODULE = process.env.TASKPORT_WEB_E2E_SERVER_MODULE;
  }
  const child = spawn(process.execPath, [join(here, 'server-process.mjs')], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr.push(chunk.toString());
    if (stderr.length > 200) stderr.shift();
  });
  const stop = () => stopChild(child, root);
  try {
    const line = await firstLine(child, 30_000);
    const { url, keys } = JSON.parse(line) as { url: string; keys: TestKeys };
    return { url, keys, pid: child.pid as number, stop };
  } catch (error) {
    await stop();
    throw new Error(`the taskport server did not start: ${(error as Error).message}\n${stderr.join('')}`);
  }
}

function firstLine(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`no address after ${timeoutMs} ms`)), timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const newline = buffered.indexOf('\n');
      if (newline !== -1) {
        clearTimeout(timer);
        resolve(buffered.slice(0, newline));
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server process exited (${code ?? signal})`));
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
