import type { ExecutionStatus } from './execution-status.js';

/** What the provider says about a task right now (provider truth, not the stored record). */
export interface TaskDescription {
  status: ExecutionStatus;
  /**
   * The main container's exit code once it is known; `null` while running and whenever the provider
   * does not report one (never fabricated as 0 or -1).
   */
  exitCode: number | null;
  /** ISO 8601; when the command started running. */
  startedAt?: string;
  /** ISO 8601; when the task reached a final state. */
  stoppedAt?: string;
  /** Why the task is in this state, in the provider's words where it gives them (stop code, reason). */
  reason?: string;
  /** Provider facts worth showing (task ARN, node, pid). Never secrets. */
  details?: Record<string, string>;
}
