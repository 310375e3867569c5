import type { ExecutionStatus } from './execution-status.js';
import type { StopCode } from './task-description.js';

/** The stored record of one execution: who ran what, where, when, and how it ended. */
export interface Execution {
  executionId: string;
  status: ExecutionStatus;
  command: string | readonly string[];
  /** ImageID the task ran with (after resolution). */
  imageId: string;
  /** The image reference as registered. */
  image: string;
  /** Email (or name) of the user who ran it. */
  createdBy: string;
  /** Provider that ran it (`local`, `aws`, ...). */
  executor: string;
  /** ISO 8601 creation time (millisecond precision). */
  createdAt: string;
  startedAt?: string;
  completedAt?: string;
  /** Exit code once known; `null` when unknown (never fabricated). */
  exitCode: number | null;
  /** Why it ended, machine-readable. */
  stopCode?: StopCode;
  /** Why it ended this way, in words (provider reason, timeout, crash of the supervisor, ...). */
  reason?: string;
  /** Request that created it. */
  requestId: string;
  /** Last request that changed it. */
  modifiedByRequestId?: string;
  labels: Record<string, string>;
  /** Names (not values) of environment variables. Values of `secrets` are never stored. */
  envKeys: string[];
  /** Non-secret environment, as given. */
  env: Record<string, string>;
  timeoutSeconds?: number;
  /** The directory the command was started in, when the request chose one. */
  workingDir?: string;
  /** Scoped to `createdBy`: one user's key never names another user's execution. */
  idempotencyKey?: string;
  /**
   * `requestFingerprint` of the request that created it (command, image, env names, labels, timeout), so
   * that a repeated key with a different request is told apart from a retry. Set with `idempotencyKey`.
   */
  requestFingerprint?: string;
}

/** A change of status, written with a condition on the current status (see ExecutionStore.updateStatus). */
export interface ExecutionStatusUpdate {
  status: ExecutionStatus;
  exitCode?: number | null;
  stopCode?: StopCode;
  reason?: string;
  startedAt?: string;
  completedAt?: string;
  requestId?: string;
}
