import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXECUTION_KEYS, type ExecutionJson, IMAGE_KEYS, idsOf, Sandbox } from './helpers/sandbox.js';

/**
 * The CLI as a client of `taskport server` (started through the CLI itself, on loopback, over the
 * local provider): the same commands give the same output, --json shapes and exit codes as in-process.
 * The server and the in-process CLI share one data directory, so both modes can read the same records.
 */
let sandbox: Sandbox;
let server: ChildProcess;
let remote: Record<string, string>;
let adminKey: string;

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

beforeAll(async () => {
  sandbox = await Sandbox.create();
  const bootstrap = await sandbox.run(['server', '--bootstrap-admin', 'admin@example.com']);
  expect(bootstrap.code).toBe(0);
  expect(bootstrap.stdout).toMatch(/^tpk_\S+\n$/);
  adminKey = bootstrap.stdout.trim();
  const port = await freePort();
  server = sandbox.spawn(['server', '--listen', `127.0.0.1:${port}`]);
  await new Promise<void>((resolve, reject) => {
    let stderr = '';
    server.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (stderr.includes('listening on')) resolve();
    });
    server.once('exit', (code) => reject(new Error(`server exited ${code}: ${stderr}`)));
  });
  remote = { TASKPORT_SERVER: `http://127.0.0.1:${port}`, TASKPORT_API_KEY: adminKey };
});

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  await sandbox?.cleanup();
});

describe('taskport CLI against a server', () => {
  it('run streams the task output live and exits with its exit code, as in-process', async () => {
    const result = await sandbox.run(['run', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3'], {
      env: remote,
    });
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('out\n');
    expect(result.stderr).toContain('err\n');
    const local = await sandbox.run(['run', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(local.code).toBe(3);
    expect(local.stdout).toBe(result.stdout);
  });

  it("run -i sends taskport's stdin through the server to the task byte for byte, then EOF", async () => {
    const input = randomBytes(256 * 1024);
    const result = await sandbox.runBytes(['run', '-i', '--', 'cat'], { input, env: remote });
    expect(result.code).toBe(0);
    expect(Buffer.compare(result.stdout, input)).toBe(0);
    // The output came back exact through the live stream; `logs` (JSON pages) keeps the bytes too.
    const { executionId } = idsOf(result.stderr.toString('utf8'));
    const logs = await sandbox.runBytes(['logs', executionId], { env: remote });
    expect(logs.code).toBe(0);
    expect(Buffer.compare(logs.stdout, input)).toBe(0);
    const lines = await sandbox.run(
      ['run', '-i', '--', 'sh', '-c', 'read first; read second; echo "$second/$first"; cat; echo done'],
      { input: 'one\ntwo\nrest\n', env: remote },
    );
    expect(lines.code).toBe(0);
    expect(lines.stdout).toBe('two/one\nrest\ndone\n');
  });

  it('status, list and logs --json give the same documents as in-process for the same execution', async () => {
    const { executionId } = idsOf(
      (
        await sandbox.run(['run', '--label', 'team=data', '--', 'sh', '-c', 'echo a; echo b'], {
          env: remote,
        })
      ).stderr,
    );
    const viaServer = await sandbox.json<ExecutionJson>(['status', executionId, '--json'], { env: remote });
    const inProcess = await sandbox.json<ExecutionJson>(['status', executionId, '--json']);
    expect(Object.keys(viaServer).sort()).toEqual(EXECUTION_KEYS);
    expect(viaServer).toEqual(inProcess);
    expect(viaServer.createdBy).toBe('admin@example.com');
    const listRemote = await sandbox.json<{ executions: ExecutionJson[] }>(
      ['list', '--json', '--limit', '3'],
      { env: remote },
    );
    const listLocal = await sandbox.json<{ executions: ExecutionJson[] }>(['list', '--json', '--limit', '3']);
    expect(listRemote).toEqual(listLocal);
    expect(await sandbox.ok(['logs', executionId, '--json'], { env: remote })).toBe(
      await sandbox.ok(['logs', executionId, '--json']),
    );
  });

  it('logs --follow streams a running task to its end', async () => {
    const started = await sandbox.run(
      ['run', '--detach', '--', 'sh', '-c', 'for i in 1 2 3; do echo tick-$i; sleep 0.2; done'],
      {
        env: remote,
      },
    );
    const id = started.stdout.trim();
    const followed = await sandbox.run(['logs', '--follow', id], { env: remote });
    expect(followed.code).toBe(0);
    expect(followed.stdout).toBe('tick-1\ntick-2\ntick-3\n');
  });

  it('kill, images and reconcile work through the server with the same shapes', async () => {
    const id = (await sandbox.run(['run', '--detach', '--', 'sleep', '30'], { env: remote })).stdout.trim();
    const killed = await sandbox.json<{ execution: ExecutionJson; alreadyFinished: boolean }>(
      ['kill', '--wait', '--json', id],
      { env: remote },
    );
    expect(killed.execution.status).toBe('STOPPED');
    expect(killed.alreadyFinished).toBe(false);
    const image = await sandbox.json<Record<string, unknown>>(
      ['images', 'register', 'ghcr.io/acme/etl:1', '--cpu', '512', '--json'],
      { env: remote },
    );
    expect(Object.keys(image).sort()).toEqual(IMAGE_KEYS);
    expect(image.registeredBy).toBe('admin@example.com');
    const shown = await sandbox.json(['images', 'show', 'ghcr.io/acme/etl:1', '--json'], { env: remote });
    expect(shown).toEqual(await sandbox.json(['images', 'show', 'ghcr.io/acme/etl:1', '--json']));
    const reconciled = await sandbox.json<{ checked: number }>(['reconcile', '--json'], { env: remote });
    expect(typeof reconciled.checked).toBe('number');
    expect((await sandbox.run(['images', 'rm', String(image.imageId)], { env: remote })).code).toBe(0);
  });

  it('errors keep their exit codes: unknown id 1, bad input 2, no key 2, unreachable server 1', async () => {
    const unknown = await sandbox.run(['status', 'loc-nope'], { env: remote });
    expect(unknown.code).toBe((await sandbox.run(['status', 'loc-nope'])).code);
    expect(unknown.stderr).toMatch(/^taskport: .*loc-nope/);
    const bad = await sandbox.run(['run', '--image', 'nope:1', '--', 'true'], { env: remote });
    expect(bad.code).toBe((await sandbox.run(['run', '--image', 'nope:1', '--', 'true'])).code);
    const noKey = await sandbox.run(['list'], { env: { TASKPORT_SERVER: remote.TASKPORT_SERVER } });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('TASKPORT_API_KEY');
    const wrongKey = await sandbox.run(['list'], { env: { ...remote, TASKPORT_API_KEY: 'tpk_nope' } });
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toContain('API key is not valid');
    const down = await sandbox.run(['list'], { env: { ...remote, TASKPORT_SERVER: 'http://127.0.0.1:1' } });
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('cannot reach the taskport server');
  });

  it('users create prints a key once; login keeps it 0600; a developer sees only its own runs; revoke ends it', async () => {
    const created = await sandbox.run(['users', 'create', 'dev@example.com', '--role', 'developer'], {
      env: remote,
    });
    expect(created.code).toBe(0);
    const devKey = created.stdout.trim();
    expect(devKey).toMatch(/^tpk_/);
    const home = join(sandbox.root, 'devhome');
    const asDev = { HOME: home, TASKPORT_SERVER: remote.TASKPORT_SERVER };
    const login = await sandbox.run(['login'], { env: { ...asDev, TASKPORT_API_KEY: devKey } });
    expect(login.code).toBe(0);
    const file = await stat(join(home, '.config', 'taskport', 'credentials.json'));
    expect(file.mode & 0o777).toBe(0o600);
    const mine = (
      await sandbox.run(['run', '--detach', '--', 'true'], { env: { HOME: home } })
    ).stdout.trim();
    const listed = await sandbox.json<{ executions: ExecutionJson[] }>(['list', '--json', '--limit', '100'], {
      env: { HOME: home },
    });
    expect(listed.executions.map((e) => e.executionId)).toEqual([mine]);
    const users = await sandbox.json<{ users: { email: string }[] }>(['users', 'list', '--json'], {
      env: remote,
    });
    expect(users.users.map((u) => u.email)).toEqual(['admin@example.com', 'dev@example.com']);
    expect((await sandbox.run(['users', 'revoke', 'dev@example.com'], { env: remote })).code).toBe(0);
    const after = await sandbox.run(['list'], { env: { HOME: home } });
    expect(after.code).toBe(1);
    expect(after.stderr).toContain('API key is not valid');
    expect((await sandbox.run(['logout'], { env: { HOME: home } })).code).toBe(0);
  });
});
