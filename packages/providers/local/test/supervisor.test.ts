import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ImageInfo } from '@taskport/core';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalImageRegistry, LocalLogAggregator, LocalTaskExecutor } from '../src/index.js';
import { closeLocalDatabase, openLocalDatabase } from '../src/local-database.js';
import { isProcessAlive } from '../src/process-identity.js';
import { readTask } from '../src/task-table.js';
import { eventually, removeDataDir, tempDataDir } from './helpers.js';

const SUPERVISOR = fileURLToPath(new URL('../dist/supervisor.js', import.meta.url));

let dataDir: string;
/** Processes a test started that removeDataDir cannot find once the database is gone. */
let leftovers: { pid: number; group: boolean }[] = [];
afterEach(() => {
  for (const { pid, group } of leftovers) {
    try {
      process.kill(group ? -pid : pid, 'SIGKILL');
    } catch {
      // already gone, as it should be
    }
  }
  leftovers = [];
  removeDataDir(dataDir);
});

/** Whether any process is left in the process group `pgid`. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the supervisor and its data directory', () => {
  it('a supervisor whose data directory is removed while its task runs kills the task, ends, and does not recreate the directory', async () => {
    dataDir = tempDataDir();
    const image: ImageInfo = await new LocalImageRegistry({ dataDir }).registerImage({
      image: 'alpine:3.20',
      registeredBy: 'test',
    });
    const { executionId } = await new LocalTaskExecutor({ dataDir }).startTask('t@test', {
      command: 'echo started; while true; do sleep 1; done',
      image,
      env: {},
      secrets: {},
      labels: {},
      requestId: 'req-test',
    });
    await eventually(
      () => new LocalLogAggregator({ dataDir }).fetchLogsByExecutionId(executionId),
      (events) => events.length === 1,
    );
    const row = readTask(openLocalDatabase(dataDir), executionId)!;
    expect(row.status).toBe('RUNNING');
    expect(groupAlive(row.task_pid!)).toBe(true);
    leftovers = [
      { pid: row.supervisor_pid!, group: false },
      { pid: row.task_pid!, group: true },
    ];

    closeLocalDatabase(dataDir);
    rmSync(dataDir, { recursive: true, force: true });

    await eventually(
      () => isProcessAlive(row.supervisor_pid!, row.supervisor_token),
      (alive) => !alive,
    );
    await eventually(
      () => groupAlive(row.task_pid!),
      (alive) => !alive,
    );
    expect(existsSync(dataDir)).toBe(false);
  }, 30_000);

  it('a supervisor that starts after its data directory was removed ends without recreating it', async () => {
    dataDir = tempDataDir();
    openLocalDatabase(dataDir);
    closeLocalDatabase(dataDir);
    // Started as startTask starts it; it opens the database only once its stdin (the secrets) has ended.
    const supervisor = spawn(process.execPath, [SUPERVISOR, dataDir, 'loc-gone'], {
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    const exited = new Promise<number | null>((resolve) => supervisor.once('exit', resolve));
    rmSync(dataDir, { recursive: true, force: true });
    supervisor.stdin.end(JSON.stringify({ secrets: {} }));
    const code = await exited;
    expect(existsSync(dataDir)).toBe(false);
    expect(code).toBe(1);
  }, 30_000);
});
