import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ExecutionJson, eventually, Sandbox } from './helpers/sandbox.js';

interface ReconcileJson {
  requestId: string;
  checked: number;
  changed: { executionId: string; from: string; to: string }[];
}

let sandbox: Sandbox;
beforeEach(async () => {
  sandbox = await Sandbox.create();
  await sandbox.ok(['images', 'register', 'alpine:3.20', '--default']);
});
afterEach(async () => {
  await sandbox.cleanup();
});

/** Starts a detached task that prints one line and then sleeps, and waits until it is RUNNING. */
async function startSleeper(): Promise<string> {
  const id = (await sandbox.ok(['run', '--detach', '--', 'sh', '-c', 'echo up; sleep 60'])).trim();
  await eventually(
    () => sandbox.json<ExecutionJson>(['status', id, '--json']),
    (execution) => execution.status === 'RUNNING',
  );
  return id;
}

/**
 * The pids the local provider recorded for a task. The CLI does not print them, so they are read from
 * the local provider's database, as the provider's own tests do.
 */
function pidsOf(id: string): { supervisor: number; task: number } {
  const db = new DatabaseSync(join(sandbox.dataDir, 'taskport.db'), { readOnly: true });
  try {
    const row = db.prepare('SELECT supervisor_pid, task_pid FROM tasks WHERE execution_id = ?').get(id) as {
      supervisor_pid: number;
      task_pid: number;
    };
    return { supervisor: row.supervisor_pid, task: row.task_pid };
  } finally {
    db.close();
  }
}

/** Alive and not a zombie (a SIGKILLed detached process may linger as one until it is reaped). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]$/.test(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? '');
  } catch {
    return false;
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGKILLs the task's supervisor, as an OOM kill or a crash would, and waits until it is gone. */
async function killSupervisor(id: string): Promise<{ supervisor: number; task: number }> {
  const pids = pidsOf(id);
  process.kill(pids.supervisor, 'SIGKILL');
  await eventually(
    async () => alive(pids.supervisor),
    (isAlive) => !isAlive,
  );
  return pids;
}

describe('taskport reconcile', () => {
  it('--json reports a detached run whose supervisor was SIGKILLed as moved from RUNNING to FAILED', async () => {
    const id = await startSleeper();
    const pids = await killSupervisor(id);
    // Nobody has asked about the task since: its record still says RUNNING, and its `sleep` runs on.
    expect(groupAlive(pids.task)).toBe(true);

    const result = await sandbox.json<ReconcileJson>(['reconcile', '--json']);
    expect(Object.keys(result).sort()).toEqual(['changed', 'checked', 'requestId']);
    expect(result.requestId).toMatch(/^req-/);
    expect(result.checked).toBe(1);
    expect(result.changed).toEqual([{ executionId: id, from: 'RUNNING', to: 'FAILED' }]);

    const execution = await sandbox.json<ExecutionJson>(['status', id, '--json']);
    expect(execution).toMatchObject({ status: 'FAILED', stopCode: 'RUNTIME_LOST' });
    // What the supervisor left running went with it.
    await eventually(
      async () => groupAlive(pids.task),
      (isAlive) => !isAlive,
    );
    // Done once: nothing is left unfinished.
    expect(await sandbox.json<ReconcileJson>(['reconcile', '--json'])).toMatchObject({
      checked: 0,
      changed: [],
    });
  });

  it('prints a line per changed execution on stdout and a summary on stderr; unchanged ones are only counted', async () => {
    const lost = await startSleeper();
    const healthy = await startSleeper();
    await killSupervisor(lost);

    const result = await sandbox.run(['reconcile']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${lost}  RUNNING -> FAILED\n`);
    expect(result.stderr).toMatch(/^checked 2 unfinished executions, 1 changed {2}request req-\S+\n$/);
    expect((await sandbox.json<ExecutionJson>(['status', healthy, '--json'])).status).toBe('RUNNING');

    await sandbox.ok(['kill', '--wait', healthy]);
    const none = await sandbox.run(['reconcile']);
    expect(none.stdout).toBe('');
    expect(none.stderr).toMatch(/^checked 0 unfinished executions, 0 changed {2}request req-\S+\n$/);
  });
});
