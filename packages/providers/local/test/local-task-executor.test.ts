import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ImageInfo, type TaskStartRequest, ValidationError } from '@taskport/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalImageRegistry, LocalLogAggregator, LocalTaskExecutor } from '../src/index.js';
import { openLocalDatabase } from '../src/local-database.js';
import { isProcessAlive } from '../src/process-identity.js';
import { readTask } from '../src/task-table.js';
import { eventually, removeDataDir, tempDataDir } from './helpers.js';

let dataDir: string;
let image: ImageInfo;
beforeEach(async () => {
  dataDir = tempDataDir();
  image = await new LocalImageRegistry({ dataDir }).registerImage({
    image: 'alpine:3.20',
    registeredBy: 'test',
  });
});
afterEach(() => removeDataDir(dataDir));

function request(
  command: TaskStartRequest['command'],
  extra: Partial<TaskStartRequest> = {},
): TaskStartRequest {
  return { command, image, env: {}, secrets: {}, labels: {}, requestId: 'req-test', ...extra };
}

const isFinal = (status: string) => ['SUCCEEDED', 'FAILED', 'STOPPED'].includes(status);

describe('LocalTaskExecutor', () => {
  it('a SIGKILLed supervisor is noticed on the next describeTask: FAILED with RUNTIME_LOST, leftovers killed, output kept', async () => {
    const executor = new LocalTaskExecutor({ dataDir });
    const { executionId } = await executor.startTask('t@test', request('echo before-crash; sleep 60'));
    const logs = new LocalLogAggregator({ dataDir });
    await eventually(
      () => logs.fetchLogsByExecutionId(executionId),
      (events) => events.length === 1,
    );
    const row = readTask(openLocalDatabase(dataDir), executionId)!;
    expect(row.status).toBe('RUNNING');
    expect(row.task_pid).not.toBeNull();
    process.kill(row.supervisor_pid!, 'SIGKILL');
    await eventually(
      () => isProcessAlive(row.supervisor_pid!, row.supervisor_token),
      (alive) => !alive,
    );

    const described = await executor.describeTask(executionId);
    expect(described).toMatchObject({ status: 'FAILED', stopCode: 'RUNTIME_LOST', exitCode: null });
    expect(described.reason).toMatch(/supervisor/);
    expect(described.stoppedAt).toBeDefined();
    // The orphaned `sleep 60` went with it, and the line written before the crash is still there.
    await eventually(
      () => isProcessAlive(row.task_pid!, row.task_token),
      (alive) => !alive,
    );
    expect((await logs.fetchLogsByExecutionId(executionId)).map((event) => event.message)).toEqual([
      'before-crash',
    ]);
    // It stays that way.
    expect((await executor.describeTask(executionId)).status).toBe('FAILED');
  }, 30_000);

  it('a following log stream ends when the supervisor dies, without being told by isTaskDone', async () => {
    const executor = new LocalTaskExecutor({ dataDir });
    const { executionId } = await executor.startTask('t@test', request('echo one; sleep 60'));
    const logs = new LocalLogAggregator({ dataDir, pollIntervalMs: 20 });
    const seen: string[] = [];
    const following = (async () => {
      for await (const event of logs.streamLogs(executionId, { follow: true })) {
        seen.push(event.message);
        if (seen.length === 1) {
          const row = readTask(openLocalDatabase(dataDir), executionId)!;
          process.kill(row.supervisor_pid!, 'SIGKILL');
        }
      }
    })();
    await following;
    expect(seen).toEqual(['one']);
    expect((await executor.describeTask(executionId)).stopCode).toBe('RUNTIME_LOST');
  }, 30_000);

  it('killTask escalates to SIGKILL after killGraceMs when the task ignores SIGTERM', async () => {
    const executor = new LocalTaskExecutor({ dataDir, killGraceMs: 700 });
    // Ignored signals are inherited across exec, so `sleep` ignores SIGTERM too.
    const { executionId } = await executor.startTask('t@test', request(`trap '' TERM; echo armed; sleep 60`));
    const logs = new LocalLogAggregator({ dataDir });
    await eventually(
      () => logs.fetchLogsByExecutionId(executionId),
      (events) => events.length === 1,
    );
    const killedAt = Date.now();
    await executor.killTask(executionId);
    expect((await executor.describeTask(executionId)).status).toBe('TERMINATING');
    const final = await eventually(
      () => executor.describeTask(executionId),
      (d) => isFinal(d.status),
    );
    const took = Date.parse(final.stoppedAt!) - killedAt;
    expect(final).toMatchObject({ status: 'STOPPED', stopCode: 'USER_INITIATED', exitCode: 137 });
    expect(final.reason).toContain('SIGKILL');
    expect(took).toBeGreaterThanOrEqual(700);
    expect(took).toBeLessThan(5000);
  }, 30_000);

  it('a task that stops on SIGTERM is not SIGKILLed', async () => {
    const executor = new LocalTaskExecutor({ dataDir, killGraceMs: 10_000 });
    const { executionId } = await executor.startTask('t@test', request(['sleep', '60']));
    await eventually(
      () => executor.describeTask(executionId),
      (d) => d.status === 'RUNNING',
    );
    await executor.killTask(executionId);
    const final = await eventually(
      () => executor.describeTask(executionId),
      (d) => isFinal(d.status),
    );
    expect(final).toMatchObject({ status: 'STOPPED', stopCode: 'USER_INITIATED', exitCode: 143 });
    expect(final.reason).not.toContain('SIGKILL');
  }, 30_000);

  it('timeoutSeconds escalates to SIGKILL for a task that ignores SIGTERM and ends FAILED/TIMED_OUT', async () => {
    const executor = new LocalTaskExecutor({ dataDir, killGraceMs: 300 });
    const { executionId } = await executor.startTask(
      't@test',
      request(`trap '' TERM; sleep 60`, { timeoutSeconds: 1 }),
    );
    const final = await eventually(
      () => executor.describeTask(executionId),
      (d) => isFinal(d.status),
    );
    expect(final).toMatchObject({ status: 'FAILED', stopCode: 'TIMED_OUT', exitCode: 137 });
    expect(final.reason).toMatch(/timed out after 1 s/);
  }, 30_000);

  it('secrets reach the task but never the database files or the supervisor command line', async () => {
    const secret = `s3cr3t-${randomBytes(12).toString('hex')}`;
    const out = join(tmpdir(), `taskport-secret-${randomBytes(6).toString('hex')}`);
    const executor = new LocalTaskExecutor({ dataDir });
    const { executionId } = await executor.startTask(
      't@test',
      request('printf %s "$API_TOKEN" > "$OUT"; sleep 1', {
        env: { OUT: out },
        secrets: { API_TOKEN: secret },
      }),
    );
    const row = await eventually(
      () => readTask(openLocalDatabase(dataDir), executionId)!,
      (task) => task.status === 'RUNNING',
    );
    const cmdline = readFileSync(`/proc/${row.supervisor_pid}/cmdline`, 'utf8');
    expect(cmdline).not.toContain(secret);
    await eventually(
      () => executor.describeTask(executionId),
      (d) => d.status === 'SUCCEEDED',
    );
    expect(readFileSync(out, 'utf8')).toBe(secret);
    expect(JSON.parse(readTask(openLocalDatabase(dataDir), executionId)!.secret_names)).toEqual([
      'API_TOKEN',
    ]);
    // Every file SQLite keeps (database, WAL, shared memory), byte for byte.
    for (const file of readdirSync(dataDir)) {
      expect(readFileSync(join(dataDir, file)).includes(secret), file).toBe(false);
    }
  }, 30_000);

  it('an argv whose program does not exist ends FAILED/FAILED_TO_START and says why in the logs', async () => {
    const executor = new LocalTaskExecutor({ dataDir });
    const { executionId } = await executor.startTask(
      't@test',
      request(['/nonexistent/taskport-no-such-program']),
    );
    const final = await eventually(
      () => executor.describeTask(executionId),
      (d) => isFinal(d.status),
    );
    expect(final).toMatchObject({ status: 'FAILED', stopCode: 'FAILED_TO_START', exitCode: null });
    const events = await new LocalLogAggregator({ dataDir }).fetchLogsByExecutionId(executionId);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ stream: 'stderr' });
    expect(events[0]!.message).toContain('ENOENT');
  }, 30_000);

  it('an argv is passed as data: shell characters in arguments are not interpreted', async () => {
    const executor = new LocalTaskExecutor({ dataDir });
    const tricky = `$(echo pwned) ; \`id\` 'quoted' "double" $HOME`;
    const { executionId } = await executor.startTask('t@test', request(['printf', '%s\\n', tricky]));
    await eventually(
      () => executor.describeTask(executionId),
      (d) => d.status === 'SUCCEEDED',
    );
    const events = await new LocalLogAggregator({ dataDir }).fetchLogsByExecutionId(executionId);
    expect(events.map((event) => event.message)).toEqual([tricky]);
  }, 30_000);

  it('output lines keep their order, lose CR LF endings and keep an unterminated last line', async () => {
    const executor = new LocalTaskExecutor({ dataDir });
    const { executionId } = await executor.startTask('t@test', request(`printf 'a\\r\\nb\\n\\nc'`));
    await eventually(
      () => executor.describeTask(executionId),
      (d) => d.status === 'SUCCEEDED',
    );
    const events = await new LocalLogAggregator({ dataDir }).fetchLogsByExecutionId(executionId);
    expect(events.map((event) => event.message)).toEqual(['a', 'b', '', 'c']);
  }, 30_000);

  it('a task that prints 1,000,000 lines is ingested completely and streamed back in order', async () => {
    const executor = new LocalTaskExecutor({ dataDir });
    const { executionId } = await executor.startTask('t@test', request(['seq', '1', '1000000']));
    await eventually(
      () => executor.describeTask(executionId),
      (d) => d.status === 'SUCCEEDED',
      60_000,
    );
    let count = 0;
    let ordered = true;
    let previous = 0;
    for await (const event of new LocalLogAggregator({ dataDir }).streamLogs(executionId)) {
      count++;
      const value = Number(event.message);
      if (value !== previous + 1) ordered = false;
      previous = value;
    }
    expect(count).toBe(1_000_000);
    expect(ordered).toBe(true);
  }, 120_000);

  it('describeTask says the image is recorded but not run, and capabilities say runsImages=false', async () => {
    const executor = new LocalTaskExecutor({ dataDir });
    expect(executor.capabilities.runsImages).toBe(false);
    const { executionId } = await executor.startTask('t@test', request('true'));
    const described = await executor.describeTask(executionId);
    expect(described.details?.image).toBe(image.image);
    expect(described.details?.imageUsed).toMatch(/^no/);
  });

  it('startTask rejects bad input with a ValidationError naming the field, before starting anything', async () => {
    const executor = new LocalTaskExecutor({ dataDir });
    const cases: Array<[string, TaskStartRequest]> = [
      ['command', request('   ')],
      ['command', request([])],
      ['env.1BAD', request('true', { env: { '1BAD': 'x' } })],
      ['secrets.TOKEN', request('true', { secrets: { TOKEN: 5 as unknown as string } })],
      ['timeoutSeconds', request('true', { timeoutSeconds: 0 })],
    ];
    for (const [field, bad] of cases) {
      const error = await executor.startTask('t@test', bad).catch((caught: unknown) => caught);
      expect(ValidationError.isInstance(error), field).toBe(true);
      expect((error as ValidationError).details).toEqual({ field });
    }
    expect(openLocalDatabase(dataDir).db.prepare('SELECT COUNT(*) AS n FROM tasks').get()).toEqual({ n: 0 });
  });

  it('execution ids sort in start order', async () => {
    const executor = new LocalTaskExecutor({ dataDir });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await executor.startTask('t@test', request('true'))).executionId);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) expect(id).toMatch(/^loc-[0-9a-z]{10}[0-9a-f]{12}$/);
  });
});

describe('LocalTaskExecutor.describeTasks and the end of a task', () => {
  it('describeTasks reads many tasks at once, agrees with describeTask, and leaves out unknown ids', async () => {
    const executor = new LocalTaskExecutor({ dataDir });
    const done = await executor.startTask('t@test', request(['true']));
    const running = await executor.startTask('t@test', request('sleep 30'));
    await eventually(
      () => executor.describeTask(done.executionId),
      (d) => isFinal(d.status),
    );
    await eventually(
      () => executor.describeTask(running.executionId),
      (d) => d.status === 'RUNNING',
    );
    const batch = await executor.describeTasks([done.executionId, running.executionId, 'loc-unknown']);
    expect([...batch.keys()].sort()).toEqual([done.executionId, running.executionId].sort());
    expect(batch.get(done.executionId)).toEqual(await executor.describeTask(done.executionId));
    expect(batch.get(running.executionId)?.status).toBe('RUNNING');
    expect((await executor.describeTasks([])).size).toBe(0);
    await executor.killTask(running.executionId);
  });

  it('a command that exits in time is not TIMED_OUT while a background child still holds its pipes', async () => {
    const executor = new LocalTaskExecutor({ dataDir });
    const { executionId } = await executor.startTask(
      't@test',
      request('sleep 5 & echo main-exits-now', { timeoutSeconds: 1 }),
    );
    const final = await eventually(
      () => executor.describeTask(executionId),
      (d) => isFinal(d.status),
    );
    expect(final).toMatchObject({ status: 'SUCCEEDED', exitCode: 0, stopCode: 'EXITED' });
    const lines = await new LocalLogAggregator({ dataDir }).fetchLogsByExecutionId(executionId);
    expect(lines.map((e) => e.message)).toEqual(['main-exits-now']);
  });
});
