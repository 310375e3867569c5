import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isFinalStatus } from '@taskport/core';
import { closeLocalDatabase, openLocalDatabase } from '../src/local-database.js';
import { isProcessAlive, signalProcessGroup } from '../src/process-identity.js';
import type { TaskRow } from '../src/task-table.js';

/** A fresh, empty data directory for one test. */
export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'taskport-local-test-'));
}

/**
 * Removes a test's data directory after killing whatever its tasks left running (supervisors and task
 * process groups), so no process outlives the test.
 */
export function removeDataDir(dataDir: string | undefined): void {
  if (dataDir === undefined) return;
  try {
    const rows = openLocalDatabase(dataDir).db.prepare('SELECT * FROM tasks').all() as unknown as TaskRow[];
    for (const row of rows) {
      if (isFinalStatus(row.status)) continue;
      if (row.task_pid !== null) signalProcessGroup(row.task_pid, row.task_token, 'SIGKILL');
      if (row.supervisor_pid !== null && isProcessAlive(row.supervisor_pid, row.supervisor_token)) {
        try {
          process.kill(row.supervisor_pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  } catch {
    // A database a test made unreadable on purpose has no tasks to stop.
  } finally {
    closeLocalDatabase(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Polls `read` until `until` holds or `timeoutMs` passes (then fails with the last value). */
export async function eventually<T>(
  read: () => Promise<T> | T,
  until: (value: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (until(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`condition not reached in ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
