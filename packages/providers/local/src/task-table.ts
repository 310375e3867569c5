import type { ExecutionStatus, StopCode } from '@taskport/core';
import { isFinalStatus } from '@taskport/core';
import type { LocalDatabase } from './local-database.js';
import { isProcessAlive, signalProcessGroup } from './process-identity.js';

/** A row of the `tasks` table: what the local executor knows about one task. */
export interface TaskRow {
  execution_id: string;
  status: ExecutionStatus;
  command: string;
  image: string;
  image_id: string;
  env: string;
  secret_names: string;
  labels: string;
  cwd: string;
  timeout_seconds: number | null;
  kill_grace_ms: number;
  idempotency_key: string | null;
  request_id: string;
  created_by: string;
  created_at: number;
  started_at: number | null;
  stopped_at: number | null;
  exit_code: number | null;
  stop_code: StopCode | null;
  reason: string | null;
  supervisor_pid: number | null;
  supervisor_token: string | null;
  supervisor_ready: number;
  task_pid: number | null;
  task_token: string | null;
  kill_requested_at: number | null;
  /** The first signal a kill asked for (NULL: SIGTERM). */
  kill_signal: string | null;
  /** The grace a kill asked for, in ms (NULL: kill_grace_ms). */
  kill_requested_grace_ms: number | null;
  /** 1: stdin stays open for one attach (see stdin-socket.ts). */
  interactive: number;
}

/**
 * How long a task may sit in STARTING without a recorded supervisor before it counts as lost. The
 * starter records the supervisor's pid right after spawning it, so only a starter that died in between
 * leaves such a row.
 */
const UNSUPERVISED_GRACE_MS = 30_000;

export function readTask(database: LocalDatabase, executionId: string): TaskRow | undefined {
  return database.db.prepare('SELECT * FROM tasks WHERE execution_id = ?').get(executionId) as
    | TaskRow
    | undefined;
}

/** Why a non-final task has nobody looking after it any more, or null when its supervisor is alive. */
function lostBecause(row: TaskRow, now: number): string | null {
  if (row.supervisor_pid === null) {
    return now - row.created_at > UNSUPERVISED_GRACE_MS
      ? 'the supervisor process was never started (the process that started the task died first)'
      : null;
  }
  if (isProcessAlive(row.supervisor_pid, row.supervisor_token)) return null;
  return `the supervisor process (pid ${row.supervisor_pid}) ended without recording how the task ended`;
}

/**
 * Crash safety: if the supervisor of a non-final task is gone (killed, machine rebooted), nobody will
 * ever record the task's end, so the first reader converges it: leftover processes of the task are
 * killed and the task becomes FAILED with stopCode RUNTIME_LOST (STOPPED when a kill had been asked for).
 * Output already written stays. Returns the up-to-date row.
 */
export function reconcileTask(database: LocalDatabase, row: TaskRow): TaskRow {
  if (isFinalStatus(row.status)) return row;
  const now = Date.now();
  if (lostBecause(row, now) === null) return row;
  return database.immediate(() => {
    // Re-read under the write lock: the supervisor may have finished the task since the first read.
    const current = readTask(database, row.execution_id);
    if (!current || isFinalStatus(current.status)) return current ?? row;
    const why = lostBecause(current, now);
    if (why === null) return current;
    if (current.task_pid !== null) signalProcessGroup(current.task_pid, current.task_token, 'SIGKILL');
    const killed = current.kill_requested_at !== null;
    const status: ExecutionStatus = killed ? 'STOPPED' : 'FAILED';
    const stopCode: StopCode = killed ? 'USER_INITIATED' : 'RUNTIME_LOST';
    const reason = `${why}; ${killed ? 'it had been asked to stop' : 'its exit code is unknown'}${current.task_pid !== null ? ' and any processes it left were killed' : ''}`;
    database.db
      .prepare(
        'UPDATE tasks SET status = ?, stop_code = ?, reason = ?, stopped_at = ? WHERE execution_id = ?',
      )
      .run(status, stopCode, reason, now, current.execution_id);
    return { ...current, status, stop_code: stopCode, reason, stopped_at: now };
  });
}
