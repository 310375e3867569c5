import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import {
  isFinalStatus,
  type LogAggregator,
  type LogEvent,
  type OperationOptions,
  type StreamLogsOptions,
  ValidationError,
} from '@taskport/core';
import { DatabaseChanges } from './database-changes.js';
import {
  type LocalDatabase,
  openLocalDatabase,
  releaseLocalDatabase,
  sqliteError,
} from './local-database.js';
import { defaultDataDir } from './local-options.js';
import { STDERR } from './log-line-writer.js';
import { readTask, reconcileTask } from './task-table.js';

export interface LocalLogAggregatorOptions {
  /** Data directory (see LocalOptions.dataDir). @default the LocalOptions default */
  dataDir?: string;
  /** First follow poll interval in ms (a call's `pollIntervalMs` wins). @default 50 */
  pollIntervalMs?: number;
  /** Upper bound of the follow poll interval in ms. @default 500 */
  maxPollIntervalMs?: number;
  /** Lines read per query while streaming. @default 1000 */
  pageSize?: number;
}

const PROVIDER = 'local';

/**
 * A row of `LOG_COLUMNS`, read as an array (`setReturnArrays`): node:sqlite builds row objects with a
 * null prototype, which V8 keeps in dictionary mode - several times the size of the array, and for a
 * million lines most of the reader's peak memory.
 */
type LogRow = [seq: number, ts: number, stream: number, message: string, raw: Uint8Array | null];

const LOG_COLUMNS = 'seq, ts, stream, message, raw';

/** A query of `LOG_COLUMNS` whose rows come back as `LogRow`s. */
interface LogQuery {
  all(...params: SQLInputValue[]): LogRow[];
  iterate(...params: SQLInputValue[]): Iterable<LogRow>;
}

function logQuery(db: DatabaseSync, sql: string): LogQuery {
  const statement = db.prepare(sql);
  if (typeof statement.setReturnArrays === 'function') {
    statement.setReturnArrays(true);
    return statement as unknown as LogQuery;
  }
  // Older Node 22 releases have no setReturnArrays: the same rows, built from the objects (columns in
  // SELECT order).
  const asRow = (row: unknown) => Object.values(row as object) as LogRow;
  return {
    all: (...params) => statement.all(...params).map(asRow),
    *iterate(...params) {
      for (const row of statement.iterate(...params) as unknown as Iterable<unknown>) yield asRow(row);
    },
  };
}

/**
 * The event id is the line's sequence number in its execution, zero-padded so that comparing ids as
 * strings (as `compareLogEvents` does for equal timestamps) gives the order the lines were printed in.
 */
function toEvent(row: LogRow): LogEvent {
  const event: LogEvent = {
    timestamp: row[1],
    message: row[3],
    stream: row[2] === STDERR ? 'stderr' : 'stdout',
    eventId: String(row[0]).padStart(12, '0'),
  };
  if (row[4] !== null) event.raw = row[4];
  return event;
}

/** The output of local tasks, as the supervisors wrote it into the data directory's database. */
export class LocalLogAggregator implements LogAggregator {
  readonly provider = PROVIDER;
  private readonly dataDir: string;
  private readonly pollIntervalMs: number;
  private readonly maxPollIntervalMs: number;
  private readonly pageSize: number;

  constructor(options: LocalLogAggregatorOptions = {}) {
    this.dataDir = options.dataDir ?? defaultDataDir(process.env);
    this.pollIntervalMs = options.pollIntervalMs ?? 50;
    this.maxPollIntervalMs = Math.max(options.maxPollIntervalMs ?? 500, this.pollIntervalMs);
    this.pageSize = options.pageSize ?? 1000;
  }

  /** Releases this adapter's use of the shared database connection (closed with its last user). */
  close(): void {
    releaseLocalDatabase(this.dataDir, this);
  }

  private get database(): LocalDatabase {
    return openLocalDatabase(this.dataDir, this);
  }

  async deleteLogs(executionId: string, options: OperationOptions = {}): Promise<void> {
    options.signal?.throwIfAborted();
    checkId(executionId, 'LogAggregator.deleteLogs');
    try {
      this.database.db.prepare('DELETE FROM task_logs WHERE execution_id = ?').run(executionId);
    } catch (error) {
      throw sqliteError(error, 'LogAggregator.deleteLogs');
    }
  }

  async fetchLogsByExecutionId(executionId: string, options: OperationOptions = {}): Promise<LogEvent[]> {
    options.signal?.throwIfAborted();
    checkId(executionId, 'LogAggregator.fetchLogsByExecutionId');
    try {
      const events: LogEvent[] = [];
      const rows = logQuery(
        this.database.db,
        `SELECT ${LOG_COLUMNS} FROM task_logs WHERE execution_id = ? ORDER BY seq`,
      ).iterate(executionId);
      for (const row of rows) events.push(toEvent(row));
      return events;
    } catch (error) {
      throw sqliteError(error, 'LogAggregator.fetchLogsByExecutionId');
    }
  }

  /**
   * Reads the output page by page (keyset on the line number), so memory stays flat however long it is.
   * With `follow` it polls for new lines, backing off from `pollIntervalMs` to `maxPollIntervalMs` while
   * nothing arrives, and ends once the task is done and the rest is drained; a commit to the database by
   * another process (a supervisor writing lines or the final status) cuts the wait short (see
   * DatabaseChanges). "Done" is asked before a read, and supervisors write every line before the final
   * status, so the read after "done" is complete.
   */
  async *streamLogs(executionId: string, options: StreamLogsOptions = {}): AsyncGenerator<LogEvent> {
    const { signal, follow = false, since, isTaskDone } = options;
    signal?.throwIfAborted();
    checkId(executionId, 'LogAggregator.streamLogs');
    const base = options.pollIntervalMs ?? this.pollIntervalMs;
    const ceiling = Math.max(this.maxPollIntervalMs, base);
    const database = this.database;
    const query = logQuery(
      database.db,
      `SELECT ${LOG_COLUMNS} FROM task_logs
       WHERE execution_id = ? AND seq > ? AND ts >= ? ORDER BY seq LIMIT ?`,
    );
    // Only a follower waits; it watches from before its first read, so no commit falls in between.
    const changes = follow ? new DatabaseChanges(database.dataDir) : undefined;
    let after = -1;
    let interval = base;
    try {
      while (true) {
        changes?.clear();
        const done = follow ? await this.isDone(executionId, isTaskDone) : true;
        signal?.throwIfAborted();
        let seen = 0;
        while (true) {
          let rows: LogRow[];
          try {
            rows = query.all(executionId, after, since ?? 0, this.pageSize);
          } catch (error) {
            throw sqliteError(error, 'LogAggregator.streamLogs');
          }
          for (const row of rows) {
            yield toEvent(row);
            signal?.throwIfAborted();
          }
          if (rows.length > 0) after = rows[rows.length - 1]![0];
          seen += rows.length;
          if (rows.length < this.pageSize) break;
        }
        if (done) return;
        interval = seen > 0 ? base : Math.min(interval * 2, ceiling);
        await changes!.wait(interval, signal);
      }
    } finally {
      changes?.close();
    }
  }

  /** Done when the caller's check says so or this data directory's own task record is final. */
  private async isDone(
    executionId: string,
    isTaskDone: (() => Promise<boolean>) | undefined,
  ): Promise<boolean> {
    let ownFinal: boolean | undefined;
    try {
      const row = readTask(this.database, executionId);
      // Converges a task whose supervisor died, so a follower cannot wait forever for it.
      ownFinal = row ? isFinalStatus(reconcileTask(this.database, row).status) : undefined;
    } catch (error) {
      throw sqliteError(error, 'LogAggregator.streamLogs');
    }
    if (ownFinal) return true;
    if (isTaskDone) return isTaskDone();
    // A task this directory does not know, with nobody to ask: there is nothing to wait for.
    return ownFinal === undefined;
  }
}

function checkId(executionId: string, operation: string): void {
  if (typeof executionId !== 'string' || executionId.trim() === '') {
    throw new ValidationError('an execution id is required', {
      provider: PROVIDER,
      operation,
      details: { field: 'executionId' },
    });
  }
}
