import {
  ConflictError,
  canTransition,
  type Execution,
  type ExecutionPage,
  type ExecutionStatusUpdate,
  type ExecutionStore,
  isExecutionStatus,
  type ListExecutionsQuery,
  NotFoundError,
  type OperationOptions,
  statusesThatMayBecome,
  ValidationError,
} from '@taskport/core';
import {
  type LocalDatabase,
  openLocalDatabase,
  releaseLocalDatabase,
  sqliteError,
} from './local-database.js';
import { defaultDataDir } from './local-options.js';

export interface LocalExecutionStoreOptions {
  /** Data directory (see LocalOptions.dataDir). @default the LocalOptions default */
  dataDir?: string;
}

const PROVIDER = 'local';
const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 1000;

interface Row {
  record: string;
}

interface Cursor {
  /** createdAt in ms and executionId of the last item of the previous page. */
  t: number;
  i: string;
}

function invalid(operation: string, field: string, message: string): never {
  throw new ValidationError(message, { provider: PROVIDER, operation, details: { field } });
}

function encodeCursor(execution: Execution): string {
  const cursor: Cursor = { t: Date.parse(execution.createdAt), i: execution.executionId };
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(value: string): Cursor {
  const fail = () =>
    invalid(
      'ExecutionStore.list',
      'cursor',
      'cursor is not one this store returned; pass a nextCursor back unchanged',
    );
  if (typeof value !== 'string' || value === '') fail();
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Partial<Cursor>;
    if (typeof parsed.t === 'number' && Number.isFinite(parsed.t) && typeof parsed.i === 'string') {
      return { t: parsed.t, i: parsed.i };
    }
  } catch {
    // falls through to the error below
  }
  return fail();
}

/**
 * Execution records in the data directory's SQLite database. The full record is stored as JSON, with the
 * columns that queries use (time, status, request ids, idempotency key) beside it.
 */
export class LocalExecutionStore implements ExecutionStore {
  readonly provider = PROVIDER;
  private readonly dataDir: string;

  constructor(options: LocalExecutionStoreOptions = {}) {
    this.dataDir = options.dataDir ?? defaultDataDir(process.env);
  }

  /** Releases this adapter's use of the shared database connection (closed with its last user). */
  close(): void {
    releaseLocalDatabase(this.dataDir, this);
  }

  private get database(): LocalDatabase {
    return openLocalDatabase(this.dataDir, this);
  }

  async create(execution: Execution, options: OperationOptions = {}): Promise<void> {
    options.signal?.throwIfAborted();
    const operation = 'ExecutionStore.create';
    if (typeof execution !== 'object' || execution === null)
      invalid(operation, 'execution', 'execution must be an object');
    if (typeof execution.executionId !== 'string' || execution.executionId === '') {
      invalid(operation, 'executionId', 'executionId is required');
    }
    if (!isExecutionStatus(execution.status))
      invalid(operation, 'status', `status ${String(execution.status)} is not an ExecutionStatus`);
    const createdMs = typeof execution.createdAt === 'string' ? Date.parse(execution.createdAt) : Number.NaN;
    if (!Number.isFinite(createdMs)) invalid(operation, 'createdAt', 'createdAt must be an ISO 8601 time');
    if (typeof execution.requestId !== 'string' || execution.requestId === '') {
      invalid(operation, 'requestId', 'requestId is required');
    }
    const database = this.database;
    let conflict: string | undefined;
    let existingExecutionId: string | undefined;
    try {
      conflict = database.immediate(() => {
        const byId = database.db
          .prepare('SELECT 1 FROM executions WHERE execution_id = ?')
          .get(execution.executionId);
        if (byId) return `an execution with id ${execution.executionId} already exists`;
        if (execution.idempotencyKey) {
          const byKey = database.db
            .prepare('SELECT execution_id FROM executions WHERE created_by = ? AND user_idempotency_key = ?')
            .get(execution.createdBy, execution.idempotencyKey) as { execution_id: string } | undefined;
          if (byKey) {
            existingExecutionId = byKey.execution_id;
            return `${execution.createdBy} already used idempotency key ${execution.idempotencyKey} for execution ${byKey.execution_id}`;
          }
        }
        database.db
          .prepare(
            `INSERT INTO executions (execution_id, created_ms, status, request_id, modified_by_request_id,
               created_by, user_idempotency_key, record)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            execution.executionId,
            createdMs,
            execution.status,
            execution.requestId,
            execution.modifiedByRequestId ?? null,
            execution.createdBy,
            execution.idempotencyKey ?? null,
            JSON.stringify(execution),
          );
        this.linkRequest(database, execution.requestId, execution.executionId);
        if (execution.modifiedByRequestId) {
          this.linkRequest(database, execution.modifiedByRequestId, execution.executionId);
        }
        return undefined;
      });
    } catch (error) {
      throw sqliteError(error, operation);
    }
    if (conflict) {
      throw new ConflictError(conflict, {
        provider: PROVIDER,
        operation,
        details: {
          executionId: execution.executionId,
          ...(existingExecutionId ? { existingExecutionId } : {}),
        },
      });
    }
  }

  async get(executionId: string, options: OperationOptions = {}): Promise<Execution> {
    options.signal?.throwIfAborted();
    const row = this.read(executionId, 'ExecutionStore.get');
    if (!row) throw this.notFound(executionId, 'ExecutionStore.get');
    return row;
  }

  async updateStatus(
    executionId: string,
    update: ExecutionStatusUpdate,
    options: OperationOptions = {},
  ): Promise<Execution> {
    options.signal?.throwIfAborted();
    const operation = 'ExecutionStore.updateStatus';
    if (typeof update !== 'object' || update === null || !isExecutionStatus(update.status)) {
      invalid(operation, 'status', `status ${String(update?.status)} is not an ExecutionStatus`);
    }
    const database = this.database;
    let result: { execution?: Execution; current?: string };
    try {
      result = database.immediate(() => {
        const current = this.read(executionId, operation);
        if (!current) return {};
        if (!canTransition(current.status, update.status)) return { current: current.status };
        const next: Execution = { ...current, status: update.status };
        if (update.exitCode !== undefined) next.exitCode = update.exitCode;
        if (update.stopCode !== undefined) next.stopCode = update.stopCode;
        if (update.reason !== undefined) next.reason = update.reason;
        if (update.startedAt !== undefined) next.startedAt = update.startedAt;
        if (update.completedAt !== undefined) next.completedAt = update.completedAt;
        if (update.requestId !== undefined) next.modifiedByRequestId = update.requestId;
        const allowed = statusesThatMayBecome(update.status);
        // The condition is repeated in the statement so the write is correct even without the lock.
        const changed = database.db
          .prepare(
            `UPDATE executions SET status = ?, modified_by_request_id = ?, record = ?
             WHERE execution_id = ? AND status IN (${allowed.map(() => '?').join(', ')})`,
          )
          .run(
            update.status,
            next.modifiedByRequestId ?? null,
            JSON.stringify(next),
            executionId,
            ...allowed,
          );
        if (changed.changes !== 1) return { current: current.status };
        if (update.requestId !== undefined) this.linkRequest(database, update.requestId, executionId);
        return { execution: next };
      });
    } catch (error) {
      throw sqliteError(error, operation);
    }
    if (result.execution) return result.execution;
    if (result.current === undefined) throw this.notFound(executionId, operation);
    throw new ConflictError(
      `execution ${executionId} is ${result.current} and cannot move to ${update.status}`,
      {
        provider: PROVIDER,
        operation,
        details: { executionId, currentStatus: result.current, requested: update.status },
      },
    );
  }

  async list(query: ListExecutionsQuery = {}): Promise<ExecutionPage> {
    query.signal?.throwIfAborted();
    const operation = 'ExecutionStore.list';
    const limit = query.limit ?? DEFAULT_LIMIT;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      invalid(
        operation,
        'limit',
        `limit must be a whole number from 1 to ${MAX_LIMIT}, got ${String(limit)}`,
      );
    }
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (query.status !== undefined) {
      if (!Array.isArray(query.status))
        invalid(operation, 'status', 'status must be a list of ExecutionStatus values');
      for (const status of query.status) {
        if (!isExecutionStatus(status))
          invalid(operation, 'status', `status ${String(status)} is not an ExecutionStatus`);
      }
      // An empty list asks for no status filter (as if it were absent), not for nothing.
      if (query.status.length > 0) {
        where.push(`status IN (${query.status.map(() => '?').join(', ')})`);
        params.push(...query.status);
      }
    }
    for (const [key, value] of Object.entries(query.labels ?? {})) {
      if (typeof value !== 'string') invalid(operation, 'labels', `label ${key} must have a string value`);
      // The key goes in as a bound JSON path, quoted, so no label name can change the query.
      where.push(`json_extract(record, ?) = ?`);
      params.push(`$.labels.${JSON.stringify(key)}`, value);
    }
    if (query.idPrefix !== undefined && query.idPrefix !== '') {
      // A range on the primary key rather than LIKE, so no character of the prefix is a wildcard.
      where.push('execution_id >= ? AND execution_id < ?');
      params.push(query.idPrefix, `${query.idPrefix}\uffff`);
    }
    if (query.cursor !== undefined) {
      const cursor = decodeCursor(query.cursor);
      // Keyset pagination: rows inserted after the first page cannot shift or repeat later pages.
      where.push('(created_ms < ? OR (created_ms = ? AND execution_id < ?))');
      params.push(cursor.t, cursor.t, cursor.i);
    }
    let rows: Row[];
    try {
      rows = this.database.db
        .prepare(
          `SELECT record FROM executions ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
           ORDER BY created_ms DESC, execution_id DESC LIMIT ?`,
        )
        .all(...params, limit + 1) as unknown as Row[];
    } catch (error) {
      throw sqliteError(error, operation);
    }
    const items = rows.slice(0, limit).map((row) => JSON.parse(row.record) as Execution);
    const page: ExecutionPage = { items };
    if (rows.length > limit) page.nextCursor = encodeCursor(items[items.length - 1]!);
    return page;
  }

  async delete(executionId: string, options: OperationOptions = {}): Promise<void> {
    options.signal?.throwIfAborted();
    let changes: number;
    try {
      // execution_requests rows go with it (ON DELETE CASCADE).
      changes = Number(
        this.database.db.prepare('DELETE FROM executions WHERE execution_id = ?').run(executionId).changes,
      );
    } catch (error) {
      throw sqliteError(error, 'ExecutionStore.delete');
    }
    if (changes === 0) {
      throw new NotFoundError(`no execution ${executionId}`, {
        provider: 'local',
        operation: 'ExecutionStore.delete',
        details: { executionId },
      });
    }
  }

  async findByIdempotencyKey(
    createdBy: string,
    idempotencyKey: string,
    options: OperationOptions = {},
  ): Promise<Execution | null> {
    options.signal?.throwIfAborted();
    if (typeof idempotencyKey !== 'string' || idempotencyKey === '') return null;
    if (typeof createdBy !== 'string' || createdBy === '') {
      invalid('ExecutionStore.findByIdempotencyKey', 'createdBy', 'createdBy is required: keys are per user');
    }
    try {
      const row = this.database.db
        .prepare('SELECT record FROM executions WHERE created_by = ? AND user_idempotency_key = ?')
        .get(createdBy, idempotencyKey) as Row | undefined;
      return row ? (JSON.parse(row.record) as Execution) : null;
    } catch (error) {
      throw sqliteError(error, 'ExecutionStore.findByIdempotencyKey');
    }
  }

  /** Executions created or changed by the request - every request that changed one, not only the last. */
  async listByRequestId(requestId: string, options: OperationOptions = {}): Promise<Execution[]> {
    options.signal?.throwIfAborted();
    if (typeof requestId !== 'string' || requestId === '') {
      invalid('ExecutionStore.listByRequestId', 'requestId', 'requestId is required');
    }
    try {
      const rows = this.database.db
        .prepare(
          `SELECT e.record FROM execution_requests r JOIN executions e ON e.execution_id = r.execution_id
           WHERE r.request_id = ? ORDER BY e.created_ms DESC, e.execution_id DESC`,
        )
        .all(requestId) as unknown as Row[];
      return rows.map((row) => JSON.parse(row.record) as Execution);
    } catch (error) {
      throw sqliteError(error, 'ExecutionStore.listByRequestId');
    }
  }

  private read(executionId: string, operation: string): Execution | undefined {
    if (typeof executionId !== 'string' || executionId === '')
      invalid(operation, 'executionId', 'an execution id is required');
    try {
      const row = this.database.db
        .prepare('SELECT record FROM executions WHERE execution_id = ?')
        .get(executionId) as Row | undefined;
      return row ? (JSON.parse(row.record) as Execution) : undefined;
    } catch (error) {
      throw sqliteError(error, operation);
    }
  }

  private linkRequest(database: LocalDatabase, requestId: string, executionId: string): void {
    database.db
      .prepare('INSERT OR IGNORE INTO execution_requests (request_id, execution_id) VALUES (?, ?)')
      .run(requestId, executionId);
  }

  private notFound(executionId: string, operation: string): NotFoundError {
    return new NotFoundError(`no execution with id "${executionId}"`, {
      provider: PROVIDER,
      operation,
      details: { executionId },
    });
  }
}
