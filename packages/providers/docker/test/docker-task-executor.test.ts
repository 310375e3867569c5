import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@taskport/contract-tests';
import {
  ConflictError,
  canonicalImageConfig,
  isFinalStatus,
  NotFoundError,
  newRequestId,
  type TaskStartRequest,
  toImageInfo,
  UnavailableError,
  ValidationError,
} from '@taskport/core';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { type ContainerInspect, DockerTaskExecutor, readStopIntent } from '../src/index.js';
import { testEngine, testExecutor, testImage, testLogs, testOptions } from './support/fixtures.js';

const USER = 'tests@taskport.test';
const engine = testEngine();
const started: Array<{ executor: DockerTaskExecutor; id: string }> = [];

afterEach(async () => {
  for (const { executor, id } of started.splice(0)) {
    await executor.killTask(id).catch(() => undefined);
    await executor.close();
  }
});

function request(
  command: TaskStartRequest['command'],
  extra: Partial<TaskStartRequest> = {},
): TaskStartRequest {
  return {
    command,
    image: testImage(),
    env: {},
    secrets: {},
    labels: {},
    requestId: newRequestId(),
    ...extra,
  };
}

async function start(executor: DockerTaskExecutor, req: TaskStartRequest): Promise<string> {
  const { executionId } = await executor.startTask(USER, req);
  started.push({ executor, id: executionId });
  return executionId;
}

async function inspect(id: string): Promise<ContainerInspect & Record<string, unknown>> {
  return (await engine.request<ContainerInspect & Record<string, unknown>>('GET', `/containers/${id}/json`))
    .body;
}

const final = (executor: DockerTaskExecutor, id: string) =>
  waitFor(
    () => executor.describeTask(id),
    (d) => isFinalStatus(d.status),
    { timeoutMs: 30_000, what: `task ${id} to end` },
  );

describe('DockerTaskExecutor against the real engine', () => {
  it('a killed sleep is gone from the engine: the container stopped and its process no longer exists', async () => {
    const executor = testExecutor();
    const id = await start(executor, request(['sleep', '300']));
    const running = await waitFor(
      () => inspect(id),
      (c) => c.State.Status === 'running',
      { timeoutMs: 15_000, what: 'the container to run' },
    );
    const pid = running.State.Pid!;
    expect(pid).toBeGreaterThan(0);
    // Under the engine's init (PID 1 in the container) the sleep is its child; both live on this host.
    const top = await engine.request<{ Processes: string[][] }>('GET', `/containers/${id}/top`);
    expect(top.body.Processes.some((row) => row.join(' ').includes('sleep 300'))).toBe(true);

    await executor.killTask(id);
    const after = await inspect(id);
    expect(after.State.Status).toBe('exited');
    expect(after.State.Running).toBe(false);
    expect(after.State.Pid).toBe(0);
    // 143 = SIGTERM: it reached the sleep through the init within the grace period (SIGKILL would be 137).
    expect(after.State.ExitCode).toBe(143);
    expect(existsSync(`/proc/${pid}`) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('sleep')).toBe(
      false,
    );
    expect(await executor.describeTask(id)).toMatchObject({
      status: 'STOPPED',
      stopCode: 'USER_INITIATED',
      exitCode: 143,
    });
  });

  it('a command that ignores SIGTERM is SIGKILLed after the grace period', async () => {
    const executor = testExecutor({ killGraceSeconds: 1 });
    const id = await start(executor, request(['sh', '-c', "trap '' TERM; while true; do sleep 1; done"]));
    await waitFor(
      () => inspect(id),
      (c) => c.State.Status === 'running',
      { timeoutMs: 15_000, what: 'running' },
    );
    await executor.killTask(id);
    const description = await executor.describeTask(id);
    expect(description).toMatchObject({ status: 'STOPPED', stopCode: 'USER_INITIATED', exitCode: 137 });
  });

  it('a timeout stops a detached container that nobody watches (the starting process exited at once)', async () => {
    // A separate process starts the task and exits, as `taskport run --detach` does.
    const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
    const script = `
      const { DockerTaskExecutor } = await import(${JSON.stringify(dist)});
      const executor = new DockerTaskExecutor(JSON.parse(process.argv[1]));
      const { executionId } = await executor.startTask('tests@taskport.test', JSON.parse(process.argv[2]));
      process.stdout.write(executionId);
      await executor.close();`;
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        script,
        JSON.stringify(testOptions()),
        JSON.stringify(request(['sleep', '300'], { timeoutSeconds: 2 })),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let id = '';
    child.stdout.on('data', (chunk: Buffer) => {
      id += chunk.toString();
    });
    expect(await new Promise((resolve) => child.on('exit', resolve))).toBe(0);
    expect(id).toMatch(/^taskport-[0-9a-f]{32}$/);
    const executor = testExecutor();
    started.push({ executor, id });

    // Only the engine is asked (not describeTask, which would enforce an overdue deadline itself).
    const stopped = await waitFor(
      () => inspect(id),
      (c) => c.State.Status === 'exited',
      { timeoutMs: 20_000, what: `container ${id} to be stopped by its watchdog` },
    );
    // The deadline counts from the start request (the container was created a little later).
    const sinceCreated = Date.parse(stopped.State.FinishedAt!) - Date.parse(stopped.Created);
    expect(sinceCreated).toBeGreaterThanOrEqual(1500);
    // Far below the 300 s the sleep would have run (generous: the machine may be loaded).
    expect(sinceCreated).toBeLessThan(60_000);
    const description = await executor.describeTask(id);
    expect(description).toMatchObject({ status: 'FAILED', stopCode: 'TIMED_OUT', exitCode: 143 });
    expect(description.reason).toContain('timed out after 2 s');
  });

  it('an overdue container whose watchdog is gone is stopped by the next read', async () => {
    const executor = testExecutor({ timeoutWatchdog: false });
    const id = await start(executor, request(['sleep', '300'], { timeoutSeconds: 1 }));
    // Past the deadline plus the read's slack, nothing has stopped it yet.
    await new Promise((resolve) => setTimeout(resolve, 4500));
    expect((await inspect(id)).State.Status).toBe('running');
    const first = await executor.describeTask(id);
    expect(first.status).toBe('TERMINATING');
    const end = await final(executor, id);
    expect(end).toMatchObject({ status: 'FAILED', stopCode: 'TIMED_OUT' });
  });

  it('secrets travel on stdin: the task sees them byte for byte, docker inspect does not', async () => {
    const executor = testExecutor();
    const secret = `s3cr3t it's "$HOME" \`id\` % \\n ${'é'} trailing\n\n`;
    const id = await start(
      executor,
      request(
        [
          'sh',
          '-c',
          'printf "%s" "$TOP_SECRET" | od -An -tx1; printf "[%s]\\n" "$EMPTY_SECRET" "$0" "$PLAIN"',
          'argv0',
        ],
        { env: { PLAIN: 'plain-value' }, secrets: { TOP_SECRET: secret, EMPTY_SECRET: '' } },
      ),
    );
    expect((await final(executor, id)).status).toBe('SUCCEEDED');
    const container = await inspect(id);
    expect(JSON.stringify(container)).not.toContain('s3cr3t');
    expect((container.Config as { Env: string[] }).Env).toContain('PLAIN=plain-value');
    const logs = testLogs();
    const lines = (await logs.fetchLogsByExecutionId(id)).map((event) => event.message);
    await logs.close();
    // od prints the bytes the command saw, in hex: the value arrived whole, trailing newlines included.
    const hex = lines
      .filter((line) => /^[\s0-9a-f]+$/.test(line))
      .join('')
      .replace(/\s+/g, '');
    expect(hex).toBe(Buffer.from(secret).toString('hex'));
    expect(lines.slice(-3)).toEqual(['[]', '[argv0]', '[plain-value]']);
  });

  it('with secrets: env the secrets are plain container environment (opt-in, visible to docker inspect)', async () => {
    const executor = testExecutor({ secrets: 'env' });
    const id = await start(
      executor,
      request(['sh', '-c', 'test "$TOKEN" = visible'], { secrets: { TOKEN: 'visible' } }),
    );
    expect((await final(executor, id)).status).toBe('SUCCEEDED');
    expect((await inspect(id)).Config).toMatchObject({ Env: expect.arrayContaining(['TOKEN=visible']) });
  });

  it('applies labels, limits, init and network mode, and never privilege or host mounts', async () => {
    const executor = testExecutor();
    const image = toImageInfo(
      canonicalImageConfig({
        image: inject('dockerTestImage'),
        registeredBy: USER,
        resources: { cpu: 512, memory: 64 },
      }),
    );
    const id = await start(
      executor,
      request(['true'], { image, labels: { team: 'data' }, timeoutSeconds: 60 }),
    );
    const container = await inspect(id);
    const host = container.HostConfig as Record<string, unknown>;
    expect(host).toMatchObject({
      NanoCpus: 500_000_000,
      Memory: 64 * 1024 * 1024,
      Init: true,
      NetworkMode: 'none',
      Privileged: false,
    });
    expect(host.Binds ?? null).toBeNull();
    expect((container.Mounts as unknown[]).length).toBe(0);
    expect(container.Config.Labels).toMatchObject({
      team: 'data',
      'taskport.managed': 'true',
      'taskport.execution': id,
      'taskport.created-by': USER,
      'taskport.image-id': image.imageId,
      'taskport.timeout-seconds': '60',
    });
    expect(container.Name).toBe(`/${id}`);
  });

  it('rejects user labels in the taskport.* namespace before calling the engine', async () => {
    const executor = testExecutor();
    await expect(
      executor.startTask(USER, request(['true'], { labels: { 'taskport.managed': 'false' } })),
    ).rejects.toSatisfy((error) => ValidationError.isInstance(error));
    await executor.close();
  });

  it('an idempotency key names one request of one user: another request or user gets its own container', async () => {
    const executor = testExecutor();
    const key = `key-${Date.now()}`;
    const id = await start(executor, request(['true'], { idempotencyKey: key }));
    const other = await start(executor, request(['false'], { idempotencyKey: key }));
    expect(other).not.toBe(id);
    const otherUser = (
      await executor.startTask('someone-else@taskport.test', request(['true'], { idempotencyKey: key }))
    ).executionId;
    expect(otherUser).not.toBe(id);
    // The same user, key and request is the first container again (a retry).
    expect((await executor.startTask(USER, request(['true'], { idempotencyKey: key }))).executionId).toBe(id);
  });

  it('an out-of-memory kill is FAILED with the engine exit code, and says OOMKilled when the engine reports it', async () => {
    const executor = testExecutor();
    const image = toImageInfo(
      canonicalImageConfig({
        image: inject('dockerTestImage'),
        registeredBy: USER,
        resources: { memory: 8 },
      }),
    );
    // busybox tail keeps the whole "last line" of /dev/zero in memory.
    const id = await start(executor, request(['tail', '/dev/zero'], { image }));
    const end = await final(executor, id);
    expect(end.status).toBe('FAILED');
    expect(end.exitCode).toBe(137);
    // dockerd 20.10 sets State.OOMKilled from the kernel's OOM event, which races the exit event: it is
    // sometimes reported false for a real OOM kill. When it is set, the reason says so (the mapping itself
    // is unit-tested in container-state.test.ts); either way the task failed with the engine's 137.
    const { body } = await engine.request<ContainerInspect>('GET', `/containers/${id}/json`);
    if (body.State.OOMKilled) expect(end.reason).toContain('OOMKilled');
    else expect(end.reason).toBe('exited with code 137');
  });

  it('a container removed behind taskport is FAILED/RUNTIME_LOST, an id never used is NotFound', async () => {
    const executor = testExecutor();
    const id = await start(executor, request(['sleep', '300']));
    await engine.request('DELETE', `/containers/${id}`, { query: { force: 1 } });
    expect(await executor.describeTask(id)).toMatchObject({
      status: 'FAILED',
      stopCode: 'RUNTIME_LOST',
      exitCode: null,
    });
    // Its records stay until retention is over; then prune removes them and the id is unknown.
    expect((await executor.prune({ retentionHours: 1 })).removed).not.toContain(id);
    expect((await executor.prune({ retentionHours: 0 })).removed).toContain(id);
    await expect(executor.describeTask(id)).rejects.toSatisfy((error) => NotFoundError.isInstance(error));
    await expect(executor.describeTask('taskport-00000000000000000000000000000000')).rejects.toSatisfy(
      (error) => NotFoundError.isInstance(error),
    );
  });

  it('describe and kill never reach containers that taskport did not start', async () => {
    const executor = testExecutor();
    const name = `taskport-${'a'.repeat(32)}`;
    await engine.request('POST', '/containers/create', {
      query: { name },
      body: { Image: inject('dockerTestImage'), Cmd: ['sleep', '300'], HostConfig: { NetworkMode: 'none' } },
    });
    try {
      await expect(executor.describeTask(name)).rejects.toSatisfy((error) => NotFoundError.isInstance(error));
      await expect(executor.killTask(name)).rejects.toSatisfy((error) => NotFoundError.isInstance(error));
    } finally {
      await engine.request('DELETE', `/containers/${name}`, { query: { force: 1 } });
      await executor.close();
    }
  });

  it('pulls an image by digest from a registry when the engine lacks it', async () => {
    const { registry, repository, digest } = inject('dockerRegistryImage');
    const image = toImageInfo(
      canonicalImageConfig({ image: `${registry}/${repository}@${digest}`, registeredBy: USER }),
    );
    const reference = `${registry}/${repository}@${digest}`;
    await engine.request('DELETE', `/images/${encodeURIComponent(reference)}`).catch(() => undefined);
    const executor = testExecutor();
    const id = await start(executor, request(['true'], { image }));
    expect((await final(executor, id)).status).toBe('SUCCEEDED');
    const container = await inspect(id);
    expect(container.Config.Image).toBe(reference);
    const pulled = await engine.request<{ RepoDigests: string[] }>(
      'GET',
      `/images/${encodeURIComponent(reference)}/json`,
    );
    expect(pulled.body.RepoDigests).toContain(reference);
  });

  it('an image the engine lacks and cannot pull fails the start clearly, leaving nothing behind', async () => {
    const executor = testExecutor();
    const image = toImageInfo(canonicalImageConfig({ image: 'taskport-test/absent:1', registeredBy: USER }));
    const error = await executor.startTask(USER, request(['true'], { image })).catch((e: unknown) => e);
    expect(NotFoundError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('taskport-test/absent:1');
    const never = testExecutor({ pullPolicy: 'never' });
    const refused = await never
      .startTask(USER, request(['true'], { image, secrets: { A: 'b' } }))
      .catch((e: unknown) => e);
    expect((refused as Error).message).toContain('pullPolicy is "never"');
    const leftovers = await engine.request<unknown[]>('GET', '/containers/json', {
      query: { all: 1, filters: JSON.stringify({ ancestor: ['taskport-test/absent:1'] }) },
    });
    expect(leftovers.body).toEqual([]);
    await executor.close();
    await never.close();
  });

  it('prune removes finished task containers past retention with their records, and keeps running ones', async () => {
    const executor = testExecutor();
    // Only this test's containers: other test files run alongside on the same engine.
    const labels = { 'prune-test': `run-${Date.now()}` };
    const done = await start(executor, request(['true'], { labels }));
    const running = await start(executor, request(['sleep', '300'], { labels }));
    await final(executor, done);
    const kept = await executor.prune({ retentionHours: 1, labels });
    expect(kept).toMatchObject({ checked: 2, removed: [] });
    const result = await executor.prune({ retentionHours: 0, labels });
    expect(result.removed).toContain(done);
    expect(result.removed).not.toContain(running);
    await expect(executor.describeTask(done)).rejects.toSatisfy((error) => NotFoundError.isInstance(error));
    expect((await executor.describeTask(running)).status).toBe('RUNNING');
  });

  it('an unreachable engine is UnavailableError saying how to start one', async () => {
    const executor = new DockerTaskExecutor({ host: 'unix:///nonexistent/docker.sock' });
    const error = await executor.describeTask(`taskport-${'0'.repeat(32)}`).catch((e: unknown) => e);
    expect(UnavailableError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('unix:///nonexistent/docker.sock');
    expect((error as Error).message).toContain('DOCKER_HOST');
    await executor.close();
  });
});

describe('DockerTaskExecutor stdin and stop options against the real engine', () => {
  const lines = async (id: string) => {
    const logs = testLogs();
    try {
      return (await logs.fetchLogsByExecutionId(id)).map((event) => event.message);
    } finally {
      await logs.close();
    }
  };
  async function* chunks(text: string, size = 5) {
    const bytes = Buffer.from(text);
    for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
  }
  const SECRET = `pipe-s3cr3t "$HOME" \`id\` %s it's\n`;

  /** Starts a task that ignores `signals`, and waits until it said its traps are set. */
  async function startIgnoring(executor: DockerTaskExecutor, signals: string): Promise<string> {
    const id = await start(
      executor,
      request(['sh', '-c', `trap '' ${signals}; echo ready; while :; do sleep 0.1; done`]),
    );
    await waitFor(
      () => lines(id),
      (found) => found.includes('ready'),
      { timeoutMs: 15_000, what: `task ${id} to set its traps` },
    );
    return id;
  }

  /** The engine's events of one container since `sinceMs`, as it logged them. */
  async function containerEvents(id: string, sinceMs: number) {
    const stream = await engine.stream('GET', '/events', {
      query: {
        since: Math.floor(sinceMs / 1000) - 1,
        until: Math.floor(Date.now() / 1000) + 1,
        filters: JSON.stringify({ container: [id] }),
      },
    });
    let text = '';
    for await (const chunk of stream) text += chunk;
    const events = text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { Action: string; Actor: { Attributes: Record<string, string> } });
    return { text, events };
  }

  it('an interactive task with secrets reads them from a pipe and its input on stdin; neither the container nor the exec that fed them shows a secret', async () => {
    const executor = testExecutor();
    const startedAt = Date.now();
    const id = await start(
      executor,
      request(
        [
          'sh',
          '-c',
          'printf "%s" "$TOKEN" | od -An -tx1; if [ -e /dev/shm/taskport-secrets ]; then echo pipe-left; else echo pipe-gone; fi; cat; echo after',
        ],
        { secrets: { TOKEN: SECRET }, interactive: true },
      ),
    );
    const container = await inspect(id);
    expect(JSON.stringify(container)).not.toContain('pipe-s3cr3t');
    expect(container.Config).toMatchObject({ OpenStdin: true, StdinOnce: true });
    // A finished exec leaves the container's ExecIDs; the engine's events still name it.
    const { text, events } = await containerEvents(id, startedAt);
    expect(text).not.toContain('pipe-s3cr3t');
    const execs = events.filter((event) => event.Action === 'exec_die');
    expect(execs, 'the one exec that fed the secrets').toHaveLength(1);
    expect(execs[0]!.Actor.Attributes.exitCode).toBe('0');
    const execId = execs[0]!.Actor.Attributes.execID;
    const exec = (await engine.request<Record<string, unknown>>('GET', `/exec/${execId}/json`)).body;
    expect(exec).toMatchObject({ ExitCode: 0, Running: false });
    expect(JSON.stringify(exec)).not.toContain('pipe-s3cr3t');

    await executor.attachStdin(id, chunks('line one\nline "two" $HOME\n'));
    expect(await final(executor, id)).toMatchObject({ status: 'SUCCEEDED', exitCode: 0 });
    const output = await lines(id);
    const hex = output
      .filter((line) => /^[\s0-9a-f]+$/.test(line))
      .join('')
      .replace(/\s+/g, '');
    expect(hex, 'the secret arrived byte for byte').toBe(Buffer.from(SECRET).toString('hex'));
    expect(output.slice(-4)).toEqual(['pipe-gone', 'line one', 'line "two" $HOME', 'after']);
  });

  it('attachStdin is NotFound for an unknown task, and a ConflictError for one not interactive, a second attach (from any executor) and a finished task', async () => {
    const executor = testExecutor();
    const other = testExecutor();
    started.push({ executor: other, id: `taskport-${'0'.repeat(32)}` });
    const unknown = await executor
      .attachStdin(`taskport-${'f'.repeat(32)}`, chunks('x'))
      .catch((e: unknown) => e);
    expect(NotFoundError.isInstance(unknown)).toBe(true);

    const plain = await start(executor, request(['sleep', '30']));
    const notInteractive = await executor.attachStdin(plain, chunks('x')).catch((e: unknown) => e);
    expect(ConflictError.isInstance(notInteractive)).toBe(true);
    expect((notInteractive as Error).message).toContain('not started interactive');

    // 1 MiB through the attach, counted by the command; then it stays up for the second attach.
    const counting = await start(executor, request(['sh', '-c', 'wc -c; sleep 30'], { interactive: true }));
    const attempts = await Promise.allSettled([
      executor.attachStdin(counting, chunks('y'.repeat(1 << 20), 65_536)),
      other.attachStdin(counting, chunks('z'.repeat(10))),
    ]);
    expect(
      attempts.filter((attempt) => attempt.status === 'fulfilled'),
      'one attach wins',
    ).toHaveLength(1);
    const refused = attempts.find((attempt) => attempt.status === 'rejected') as PromiseRejectedResult;
    expect(ConflictError.isInstance(refused.reason)).toBe(true);
    expect((refused.reason as Error).message).toContain('already had its input');
    const count = await waitFor(
      () => lines(counting),
      (found) => found.length > 0,
      { timeoutMs: 15_000, what: 'the byte count' },
    );
    expect(count.map((line) => line.trim())).toEqual([
      attempts[0]!.status === 'fulfilled' ? '1048576' : '10',
    ]);

    const ended = await start(executor, request(['true'], { interactive: true }));
    await final(executor, ended);
    const finished = await executor.attachStdin(ended, chunks('x')).catch((e: unknown) => e);
    expect(ConflictError.isInstance(finished)).toBe(true);
    expect((finished as Error).message).toContain('already finished');
  });

  it('attachStdin resolves once the container ended, even if the task never read its endless input', async () => {
    const executor = testExecutor();
    const id = await start(executor, request(['sleep', '1'], { interactive: true }));
    let sent = 0;
    async function* endless() {
      for (;;) {
        sent += 65_536;
        yield new Uint8Array(65_536);
      }
    }
    const startedAt = Date.now();
    await executor.attachStdin(id, endless());
    expect(Date.now() - startedAt).toBeLessThan(15_000);
    expect(sent, 'more was offered than the pipes hold').toBeGreaterThan(65_536);
    expect((await final(executor, id)).status).toBe('SUCCEEDED');
  });

  it("a kill's own grace period is recorded, so reads wait for it instead of enforcing killGraceSeconds", async () => {
    // killGraceSeconds 2: a read would enforce a stop it thinks overdue after 2 s + 3 s slack.
    const executor = testExecutor({ killGraceSeconds: 2 });
    const reader = testExecutor({ killGraceSeconds: 2 });
    const id = await startIgnoring(executor, 'TERM');
    const killedAt = Date.now();
    const kill = executor.killTask(id, { gracePeriodSeconds: 9 });
    const intent = await waitFor(
      () => readStopIntent(engine, id),
      (found) => found !== undefined,
      { timeoutMs: 5000, what: 'the stop intent' },
    );
    expect(intent).toMatchObject({ stopCode: 'USER_INITIATED', graceSeconds: 9 });
    // Another process reads the task all through the grace, as the Service's status refresh does.
    const end = await waitFor(
      () => reader.describeTask(id),
      (d) => isFinalStatus(d.status),
      { timeoutMs: 30_000, maxIntervalMs: 250, what: `task ${id} to end` },
    );
    await kill;
    await reader.close();
    expect(end).toMatchObject({ status: 'STOPPED', stopCode: 'USER_INITIATED', exitCode: 137 });
    expect(
      Date.parse(end.stoppedAt ?? '') - killedAt,
      'SIGKILL came at the end of the 9 s grace',
    ).toBeGreaterThan(8500);
  });

  it('the engine is asked for exactly the signals a kill chose: grace 0 is one SIGKILL, a chosen signal comes first, none is docker stop', async () => {
    const executor = testExecutor({ killGraceSeconds: 1 });
    const signalsOf = async (how: Parameters<DockerTaskExecutor['killTask']>[1]) => {
      const id = await startIgnoring(executor, 'INT TERM');
      const since = Date.now();
      await executor.killTask(id, how);
      expect(await executor.describeTask(id)).toMatchObject({ status: 'STOPPED', exitCode: 137 });
      const { events } = await containerEvents(id, since);
      return events.filter((event) => event.Action === 'kill').map((event) => event.Actor.Attributes.signal);
    };
    expect(await signalsOf({ gracePeriodSeconds: 0 })).toEqual(['9']);
    expect(await signalsOf({ stopSignal: 'SIGINT', gracePeriodSeconds: 1 })).toEqual(['2', '9']);
    expect(await signalsOf({ stopSignal: 'SIGHUP', gracePeriodSeconds: 0 })).toEqual(['9']);
    expect(await signalsOf({})).toEqual(['15', '9']);
  });
});
