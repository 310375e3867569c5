import { ValidationError } from '../errors/taskport-error.js';
import type { ListExecutionsQuery } from '../ports/execution-store.js';
import type { Execution, ExecutionStatusUpdate } from './execution.js';
import { type ExecutionStatus, isExecutionStatus } from './execution-status.js';

/** Page size bounds every ExecutionStore applies to `list`. */
export const DEFAULT_LIST_LIMIT = 50;
export const MAX_LIST_LIMIT = 1000;

type At = { provider: string; operation?: string };

function invalid(at: At, operation: string, field: string, message: string): never {
  throw new ValidationError(message, {
    provider: at.provider,
    operation: at.operation ?? operation,
    details: { field },
  });
}

/**
 * The checks every ExecutionStore makes on `create` before touching its backend.
 * @returns the creation time in ms
 * @throws ValidationError naming the field
 */
export function checkNewExecution(execution: Execution, at: At): number {
  const operation = 'ExecutionStore.create';
  if (typeof execution !== 'object' || execution === null)
    invalid(at, operation, 'execution', 'execution must be an object');
  if (typeof execution.executionId !== 'string' || execution.executionId === '') {
    invalid(at, operation, 'executionId', 'executionId is required');
  }
  if (!isExecutionStatus(execution.status)) {
    invalid(at, operation, 'status', `status ${String(execution.status)} is not an ExecutionStatus`);
  }
  const createdMs = typeof execution.createdAt === 'string' ? Date.parse(execution.createdAt) : Number.NaN;
  if (!Number.isFinite(createdMs)) invalid(at, operation, 'createdAt', 'createdAt must be an ISO 8601 time');
  if (typeof execution.requestId !== 'string' || execution.requestId === '') {
    invalid(at, operation, 'requestId', 'requestId is required');
  }
  return createdMs;
}

/** The checks of `updateStatus`' argument. @throws ValidationError */
export function checkStatusUpdate(update: ExecutionStatusUpdate, at: At): void {
  if (typeof update !== 'object' || update === null || !isExecutionStatus(update.status)) {
    invalid(
      at,
      'ExecutionStore.updateStatus',
      'status',
      `status ${String(update?.status)} is not an ExecutionStatus`,
    );
  }
}

/**
 * Validates a `list` query and returns its page size and status filter (an empty list means no filter).
 * @throws ValidationError for a bad limit or status
 */
export function checkListQuery(
  query: ListExecutionsQuery,
  at: At,
): { limit: number; statuses: readonly ExecutionStatus[] | undefined } {
  const operation = 'ExecutionStore.list';
  const limit = query.limit ?? DEFAULT_LIST_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    invalid(
      at,
      operation,
      'limit',
      `limit must be a whole number from 1 to ${MAX_LIST_LIMIT}, got ${String(limit)}`,
    );
  }
  if (query.status === undefined) return { limit, statuses: undefined };
  if (!Array.isArray(query.status))
    invalid(at, operation, 'status', 'status must be a list of ExecutionStatus values');
  for (const status of query.status) {
    if (!isExecutionStatus(status))
      invalid(at, operation, 'status', `status ${String(status)} is not an ExecutionStatus`);
  }
  return { limit, statuses: query.status.length > 0 ? query.status : undefined };
}

/** The record after a permitted status change: the update's fields over the current ones. */
export function applyStatusUpdate(current: Execution, update: ExecutionStatusUpdate): Execution {
  const next: Execution = { ...current, status: update.status };
  if (update.exitCode !== undefined) next.exitCode = update.exitCode;
  if (update.stopCode !== undefined) next.stopCode = update.stopCode;
  if (update.reason !== undefined) next.reason = update.reason;
  if (update.startedAt !== undefined) next.startedAt = update.startedAt;
  if (update.completedAt !== undefined) next.completedAt = update.completedAt;
  if (update.requestId !== undefined) next.modifiedByRequestId = update.requestId;
  return next;
}
