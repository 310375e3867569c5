import type { Execution } from '@taskport/core';

/**
 * Exit codes of the `taskport` command. `run` (when it waits) exits with the task's own code; the
 * reserved codes below follow docker run (125) and timeout(1) (124) so scripts can tell a task's
 * failure from taskport's. A task that itself exits 124, 125 or 130 is indistinguishable, as with those tools.
 */
export const EXIT = {
  OK: 0,
  /** A non-run command failed: unknown id, wrong state, provider error. */
  FAILURE: 1,
  /** Bad usage or invalid input; nothing was run or changed. */
  USAGE: 2,
  /** The task hit its --timeout and was stopped. */
  TIMED_OUT: 124,
  /** taskport or the infrastructure failed: the task could not start, vanished, or its exit code is unknown. */
  INFRASTRUCTURE: 125,
  /** The task was killed, or you pressed Ctrl-C while following (the task keeps running then). */
  KILLED: 130,
} as const;

/** The exit code `taskport run` returns for a finished execution. */
export function exitCodeOfExecution(execution: Execution): number {
  switch (execution.status) {
    case 'SUCCEEDED':
      return execution.exitCode === null || execution.exitCode === 0 ? EXIT.OK : execution.exitCode;
    case 'STOPPED':
      return EXIT.KILLED;
    case 'FAILED':
      if (execution.stopCode === 'TIMED_OUT') return EXIT.TIMED_OUT;
      if (execution.stopCode === 'USER_INITIATED') return EXIT.KILLED;
      if (execution.stopCode === 'FAILED_TO_START' || execution.stopCode === 'RUNTIME_LOST')
        return EXIT.INFRASTRUCTURE;
      // A failure is never reported as success: an unknown or zero code on FAILED is an infrastructure failure.
      if (execution.exitCode === null || execution.exitCode === 0) return EXIT.INFRASTRUCTURE;
      return execution.exitCode;
    default:
      return EXIT.INFRASTRUCTURE;
  }
}

/** Help text listing the codes, shared by `taskport --help` and `taskport run --help`. */
export const EXIT_CODES_HELP = `Exit codes:
  0      success
  1      a command other than run failed (unknown id, wrong state, provider error)
  2      bad usage, invalid input or a bad config; nothing was run or changed
  N      run: the task's own exit code
  124    run: the task timed out (--timeout) and was stopped
  125    run: taskport or the infrastructure failed (could not start, lost, exit code unknown)
  130    run: the task was killed; or Ctrl-C while following (the task keeps running)`;
