import {
  applyStatusUpdate,
  ConflictError,
  canTransition,
  checkListQuery,
  checkNewExecution,
  checkStatusUpdate,
  type Execution,
  type ExecutionPage,
  type ExecutionStatusUpdate,
  type ExecutionStore,
  type ListExecutionsQuery,
  NotFoundError,
  type OperationOptions,
  ValidationError,
} from '@taskport/core';
import { decodeCursor, encodeCursor } from '@taskport/provider-utils';
import type { MemoryWorld } from './memory-world.js';

const PROVIDER = 'memory';

/** The position of a page boundary: the last item's creation time and id (a keyset, stable under inserts). */
interface Position {
  t: number;
  i: string;
}

const isPosition = (value: unknown): value is Position =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Position).t === 'number' &&
  typeof (value as Position).i === 'string';

/** Newest first by creation time, then by id (the order every store lists in). */
function newestFirst(a: Execution, b: Execution): number {
  return Date.parse(b.createdAt) - Date.parse(a.createdAt) || (a.executionId < b.executionId ? 1 : -1);
}

/** Execution records in memory. Every check-and-write happens in one synchronous step, so it is atomic. */
export class MemoryExecutionStore implements ExecutionStore {
  readonly provider = PROVIDER;

  constructor(private readonly world: MemoryWorld) {}

  async create(execution: Execution, options: OperationOptions = {}): Promise<void> {
    const operation = 'ExecutionStore.create';
    checkNewExecution(execution, { provider: PROVIDER });
    this.call(operation, options);
    if (this.world.executions.has(execution.executionId)) {
      throw new ConflictError(`an execution with id ${execution.executionId} already exists`, {
        provider: PROVIDER,
        operation,
        details: { executionId: execution.executionId },
      });
    }
    if (execution.idempotencyKey) {
      const holder = this.byKey(execution.createdBy, execution.idempotencyKey);
      if (holder) {
        throw new ConflictError(
          `${execution.createdBy} already used idempotency key ${execution.idempotencyKey} for execution ${holder.executionId}`,
          {
            provider: PROVIDER,
            operation,
            details: { executionId: execution.executionId, existingExecutionId: holder.executionId },
          },
        );
      }
    }
    this.world.executions.set(execution.executionId, structuredClone(execution));
    this.touch(execution.executionId, execution.requestId);
    if (execution.modifiedByRequestId) this.touch(execution.executionId, execution.modifiedByRequestId);
  }

  async get(executionId: string, options: OperationOptions = {}): Promise<Execution> {
    this.call('ExecutionStore.get', options);
    const found = this.world.executions.get(executionId);
    if (!found) throw this.notFound(executionId, 'ExecutionStore.get');
    return structuredClone(found);
  }

  /** Retention: the record and the requests that touched it go; its idempotency key is free again. */
  async delete(executionId: string, options: OperationOptions = {}): Promise<void> {
    this.call('ExecutionStore.delete', options);
    if (!this.world.executions.delete(executionId)) throw this.notFound(executionId, 'ExecutionStore.delete');
    this.world.executionRequests.delete(executionId);
  }

  async updateStatus(
    executionId: string,
    update: ExecutionStatusUpdate,
    options: OperationOptions = {},
  ): Promise<Execution> {
    const operation = 'ExecutionStore.updateStatus';
    checkStatusUpdate(update, { provider: PROVIDER });
    this.call(operation, options);
    const current = this.world.executions.get(executionId);
    if (!current) throw this.notFound(executionId, operation);
    if (!canTransition(current.status, update.status)) {
      throw new ConflictError(
        `execution ${executionId} is ${current.status} and cannot move to ${update.status}`,
        {
          provider: PROVIDER,
          operation,
          details: { executionId, currentStatus: current.status, requested: update.status },
        },
      );
    }
    const next = applyStatusUpdate(current, update);
    this.world.executions.set(executionId, next);
    if (update.requestId) this.touch(executionId, update.requestId);
    return structuredClone(next);
  }

  async list(query: ListExecutionsQuery = {}): Promise<ExecutionPage> {
    const operation = 'ExecutionStore.list';
    const { limit, statuses } = checkListQuery(query, { provider: PROVIDER });
    const after =
      query.cursor === undefined
        ? undefined
        : decodeCursor(query.cursor, isPosition, { provider: PROVIDER, operation });
    this.call(operation, query);
    const rows = [...this.world.executions.values()]
      .filter((execution) => !statuses || statuses.includes(execution.status))
      .filter((execution) => {
        if (!after) return true;
        const t = Date.parse(execution.createdAt);
        return t < after.t || (t === after.t && execution.executionId < after.i);
      })
      .sort(newestFirst);
    const items = rows.slice(0, limit).map((execution) => structuredClone(execution));
    const last = items.at(-1);
    return rows.length > limit && last
      ? {
          items,
          nextCursor: encodeCursor({ t: Date.parse(last.createdAt), i: last.executionId } satisfies Position),
        }
      : { items };
  }

  async findByIdempotencyKey(
    createdBy: string,
    idempotencyKey: string,
    options: OperationOptions = {},
  ): Promise<Execution | null> {
    const operation = 'ExecutionStore.findByIdempotencyKey';
    if (typeof createdBy !== 'string' || createdBy === '') {
      throw new ValidationError('createdBy is required: keys are per user', {
        provider: PROVIDER,
        operation,
        details: { field: 'createdBy' },
      });
    }
    this.call(operation, options);
    const found = this.byKey(createdBy, idempotencyKey);
    return found ? structuredClone(found) : null;
  }

  async listByRequestId(requestId: string, options: OperationOptions = {}): Promise<Execution[]> {
    const operation = 'ExecutionStore.listByRequestId';
    if (typeof requestId !== 'string' || requestId === '') {
      throw new ValidationError('requestId is required', {
        provider: PROVIDER,
        operation,
        details: { field: 'requestId' },
      });
    }
    this.call(operation, options);
    return [...this.world.executions.values()]
      .filter((execution) => this.world.executionRequests.get(execution.executionId)?.has(requestId))
      .sort(newestFirst)
      .map((execution) => structuredClone(execution));
  }

  private call(operation: string, options: OperationOptions): void {
    options.signal?.throwIfAborted();
    this.world.count(operation);
  }

  /** Keys are per user: one user's key never names another user's execution. */
  private byKey(createdBy: string, idempotencyKey: string): Execution | undefined {
    for (const execution of this.world.executions.values()) {
      if (execution.createdBy === createdBy && execution.idempotencyKey === idempotencyKey) return execution;
    }
    return undefined;
  }

  private touch(executionId: string, requestId: string): void {
    const set = this.world.executionRequests.get(executionId) ?? new Set<string>();
    set.add(requestId);
    this.world.executionRequests.set(executionId, set);
  }

  private notFound(executionId: string, operation: string): NotFoundError {
    return new NotFoundError(`no execution ${executionId}`, {
      provider: PROVIDER,
      operation,
      details: { executionId },
    });
  }
}
