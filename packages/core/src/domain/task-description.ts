import type { ExecutionStatus } from './execution-status.js';

/**
 * Why a task ended, in provider-neutral terms:
 * - EXITED: the command exited by itself (see exitCode);
 * - USER_INITIATED: killed on request;
 * - TIMED_OUT: exceeded timeoutSeconds and was stopped;
 * - FAILED_TO_START: the platform could not start it (image pull, capacity, bad config);
 * - RUNTIME_LOST: the thing running it vanished (supervisor crash, node lost, task missing).
 */
export type StopCode = 'EXITED' | 'USER_INITIATED' | 'TIMED_OUT' | 'FAILED_TO_START' | 'RUNTIME_LOST';

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
  /** Set once the task is final. A timeout is FAILED with TIMED_OUT; a kill is STOPPED with USER_INITIATED. */
  stopCode?: StopCode;
  /** Why the task is in this state, in the provider's words where it gives them (stop code, reason). */
  reason?: string;
  /** Provider facts worth showing (task ARN, node, pid). Never secrets. */
  details?: Record<string, string>;
}
