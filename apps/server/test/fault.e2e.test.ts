import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapUser } from '../dist/index.js';
import { followToEnd } from './helpers/follower.js';

const CHILD = fileURLToPath(new URL('./helpers/server-child.mjs', import.meta.url));

let root: string;
let env: Record<string, string>;
let key: string;
let url: string;
let server: ChildProcess | undefined;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function startChild(): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CHILD], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    child.stdout?.setEncoding('utf8').once('data', () => resolve());
  });
  child.removeAllListeners('exit');
  return child;
}

async function killChild(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

async function api<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as T };
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'taskport-fault-'));
  const port = await freePort();
  env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: root,
    TASKPORT_DATA_DIR: join(root, 'data'),
    TASKPORT_LISTEN: `127.0.0.1:${port}`,
    TASKPORT_RATE_LIMIT: '1000/s,burst=1000',
  };
  key = (await bootstrapUser('admin@example.com', 'admin', { env })).apiKey;
  url = `http://127.0.0.1:${port}`;
  server = await startChild();
});

afterAll(async () => {
  await killChild(server, 'SIGTERM');
  await rm(root, { recursive: true, force: true });
});

describe('faults', () => {
  it('followers attached when the server is SIGKILLed resume from Last-Event-ID after a restart, with no gap and no repeat', async () => {
    const count = 40;
    const run = await api<{ execution: { executionId: string } }>('POST', '/api/v1/run', {
      command: ['sh', '-c', `i=1; while [ $i -le ${count} ]; do echo line-$i; i=$((i+1)); sleep 0.05; done`],
    });
    expect(run.status).toBe(202);
    const id = run.body.execution.executionId;
    const logsUrl = `${url}/api/v1/executions/${id}/logs`;
    let firstLines = 0;
    const deadline = Date.now() + 40_000;
    const followers = Array.from({ length: 5 }, () =>
      followToEnd(logsUrl, key, { deadline, onLine: () => void firstLines++ }),
    );
    while (firstLines < 25) await new Promise((resolve) => setTimeout(resolve, 20));
    await killChild(server, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 500));
    server = await startChild();
    const results = await Promise.all(followers);
    const expected = Array.from({ length: count }, (_, i) => `line-${i + 1}`);
    for (const result of results) {
      expect(result.ended).toBe(true);
      expect(result.reconnects).toBeGreaterThanOrEqual(1);
      expect(result.lines).toEqual(expected);
    }
  });

  it('SIGTERM stops gracefully: an in-flight wait is answered, streams end, the process exits 0; followers resume after the restart', async () => {
    const count = 30;
    const run = await api<{ execution: { executionId: string } }>('POST', '/api/v1/run', {
      command: ['sh', '-c', `i=1; while [ $i -le ${count} ]; do echo g-$i; i=$((i+1)); sleep 0.05; done`],
    });
    const id = run.body.execution.executionId;
    let seen = 0;
    const follower = followToEnd(`${url}/api/v1/executions/${id}/logs`, key, {
      deadline: Date.now() + 40_000,
      onLine: () => void seen++,
    });
    while (seen < 5) await new Promise((resolve) => setTimeout(resolve, 20));
    const waiting = api<{ done: boolean }>('GET', `/api/v1/executions/${id}/wait?timeoutSeconds=60`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const exited = new Promise<number | null>((resolve) => server?.once('exit', (code) => resolve(code)));
    server?.kill('SIGTERM');
    const answered = await waiting;
    expect(answered.status).toBe(200);
    expect(await exited).toBe(0);
    server = await startChild();
    const result = await follower;
    expect(result.ended).toBe(true);
    expect(result.lines).toEqual(Array.from({ length: count }, (_, i) => `g-${i + 1}`));
  });

  it('runs submitted while the server is SIGKILLed are each recorded once or refused; retries with their key never duplicate', async () => {
    const batch = `b${Date.now()}`;
    const keys = Array.from({ length: 30 }, (_, i) => `${batch}-${i}`);
    const submit = (k: string) =>
      api<{ execution: { executionId: string } }>(
        'POST',
        '/api/v1/run',
        { command: 'true', labels: { batch } },
        { 'idempotency-key': k },
      )
        .then((r) => (r.status === 202 ? r.body.execution.executionId : undefined))
        .catch(() => undefined);
    const firstTry = keys.map(async (k, i) => {
      await new Promise((resolve) => setTimeout(resolve, i * 10));
      return submit(k);
    });
    await new Promise((resolve) => setTimeout(resolve, 120));
    await killChild(server, 'SIGKILL');
    const accepted = await Promise.all(firstTry);
    server = await startChild();
    // Every accepted run is recorded.
    for (const id of accepted.filter(Boolean)) {
      expect((await api('GET', `/api/v1/executions/${id}`)).status).toBe(200);
    }
    // A client that got no answer retries with the same key; one that got an answer gets the same id.
    const retried = await Promise.all(keys.map(submit));
    accepted.forEach((id, i) => {
      if (id) expect(retried[i]).toBe(id);
    });
    expect(retried.every(Boolean)).toBe(true);
    const listed = await api<{ executions: { executionId: string }[] }>(
      'GET',
      `/api/v1/executions?limit=1000&label=batch%3D${batch}`,
    );
    expect(listed.body.executions.length).toBe(keys.length);
    expect(new Set(listed.body.executions.map((e) => e.executionId)).size).toBe(keys.length);
  });
});
