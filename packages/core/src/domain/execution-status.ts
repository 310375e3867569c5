/**
 * Lifecycle of an execution.
 *
 * - STARTING: accepted by the provider, not yet running.
 * - RUNNING: the command is running.
 * - TERMINATING: a kill was requested; the provider has not confirmed the stop yet.
 * - SUCCEEDED / FAILED / STOPPED: final. STOPPED means killed on request; it is never success. A timeout
 *   is FAILED with stopCode TIMED_OUT.
 */
export const ExecutionStatus = {
  STARTING: 'STARTING',
  RUNNING: 'RUNNING',
  TERMINATING: 'TERMINATING',
  SUCCEEDED: 'SUCCEEDED',
  FAILED: 'FAILED',
  STOPPED: 'STOPPED',
} as const;
export type ExecutionStatus = (typeof ExecutionStatus)[keyof typeof ExecutionStatus];

export const ALL_EXECUTION_STATUSES: readonly ExecutionStatus[] = Object.values(ExecutionStatus);
export const FINAL_EXECUTION_STATUSES: readonly ExecutionStatus[] = ['SUCCEEDED', 'FAILED', 'STOPPED'];

export function isExecutionStatus(value: unknown): value is ExecutionStatus {
  return typeof value === 'string' && (ALL_EXECUTION_STATUSES as readonly string[]).includes(value);
}

export function isFinalStatus(status: ExecutionStatus): boolean {
  return FINAL_EXECUTION_STATUSES.includes(status);
}

/**
 * Whether a record in `from` may move to `to`.
 *
 * Provider events arrive out of order, so any non-final status may move to any final one
 * (STARTING -> SUCCEEDED when RUNNING was never seen, TERMINATING -> SUCCEEDED when a kill races a
 * natural exit). Non-final moves only go forward. Final statuses never change, and a move to the
 * same status is not a transition.
 */
export function canTransition(from: ExecutionStatus, to: ExecutionStatus): boolean {
  if (from === to || isFinalStatus(from)) return false;
  if (isFinalStatus(to)) return true;
  return RANK[to] > RANK[from];
}

const RANK: Record<ExecutionStatus, number> = {
  STARTING: 0,
  RUNNING: 1,
  TERMINATING: 2,
  SUCCEEDED: 3,
  FAILED: 3,
  STOPPED: 3,
};

/** The statuses a record may be in for a move to `to` to be allowed: the condition of a conditional update. */
export function statusesThatMayBecome(to: ExecutionStatus): ExecutionStatus[] {
  return ALL_EXECUTION_STATUSES.filter((from) => canTransition(from, to));
}
