import type { Execution, ExecutionStatusUpdate } from '../domain/execution.js';
import type { ExecutionStatus } from '../domain/execution-status.js';
import type { OperationOptions } from './operation-options.js';

export interface ListExecutionsQuery extends OperationOptions {
  /** Page size, 1..1000. @default 50 */
  limit?: number;
  /** Opaque cursor from a previous page's `nextCursor`. */
  cursor?: string;
  /** Only executions in one of these statuses. */
  status?: readonly ExecutionStatus[];
  /** Only executions carrying every one of these labels with exactly these values. */
  labels?: Readonly<Record<string, string>>;
  /** Only executions whose id starts with this text (to resolve a short id, as git and docker do). */
  idPrefix?: string;
}

export interface ExecutionPage {
  /** Newest first (by createdAt, then executionId). */
  items: Execution[];
  /** Present when there may be more; pass it back as `cursor`. Stable while new rows are inserted. */
  nextCursor?: string;
}

/** Execution records: the history of who ran what. */
export interface ExecutionStore {
  readonly provider: string;

  /**
   * Records a new execution. Idempotency keys are scoped per user: at most one record has a given
   * (`createdBy`, `idempotencyKey`), checked atomically with the write.
   * @throws ConflictError when an execution with this id exists, or when `createdBy` already has an
   *   execution with this `idempotencyKey` (`details.existingExecutionId` names it)
   */
  create(execution: Execution, options?: OperationOptions): Promise<void>;

  /** @throws NotFoundError */
  get(executionId: string, options?: OperationOptions): Promise<Execution>;

  /**
   * Moves the record to `update.status` only if `canTransition(current, update.status)` holds, checked
   * and written atomically (a conditional write, never read-check-write). Returns the updated record.
   * @throws NotFoundError when there is no such record
   * @throws ConflictError when the current status does not allow the move (the message names it)
   */
  updateStatus(
    executionId: string,
    update: ExecutionStatusUpdate,
    options?: OperationOptions,
  ): Promise<Execution>;

  /** A page of executions, newest first. @throws ValidationError for a bad limit or cursor */
  list(query?: ListExecutionsQuery): Promise<ExecutionPage>;

  /**
   * The execution `createdBy` started with this idempotency key, if any (another user's key is another
   * key). Read consistently: a record `create` has accepted is found.
   */
  findByIdempotencyKey(
    createdBy: string,
    idempotencyKey: string,
    options?: OperationOptions,
  ): Promise<Execution | null>;

  /**
   * Retention (optional): removes a record. The Service only removes final ones.
   * @throws NotFoundError when there is no such record
   */
  delete?(executionId: string, options?: OperationOptions): Promise<void>;

  /**
   * Every execution this request created or changed: its `requestId`, and every `updateStatus` that
   * carried it, not only the last one (a record changed by B and then by C is listed for both).
   * Newest first.
   */
  listByRequestId(requestId: string, options?: OperationOptions): Promise<Execution[]>;
}
