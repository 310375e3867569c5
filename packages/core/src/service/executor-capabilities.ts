import type { StopOptions } from '../domain/stop-options.js';
import { ValidationError } from '../errors/taskport-error.js';
import type { TaskExecutor } from '../ports/task-executor.js';

/** Where a check runs, for the error: the Service (no provider) or an adapter's edge. */
interface At {
  provider?: string;
  operation?: string;
}

function unsupported(executor: Pick<TaskExecutor, 'provider'>, field: string, message: string, at: At) {
  return new ValidationError(`the ${executor.provider} executor ${message}`, {
    ...(at.provider ? { provider: at.provider } : {}),
    ...(at.operation ? { operation: at.operation } : {}),
    details: { field, executor: executor.provider },
  });
}

/**
 * What a start asks of the executor beyond running a command, checked before any provider call: a
 * working directory, an open stdin. Each unsupported one is a ValidationError that says what to do instead.
 */
export function checkStartCapabilities(
  executor: Pick<TaskExecutor, 'provider' | 'capabilities'>,
  request: { workingDir?: string | undefined; interactive?: boolean | undefined },
  at: At = {},
): void {
  if (request.workingDir !== undefined && !executor.capabilities.workingDir) {
    throw unsupported(
      executor,
      'workingDir',
      "cannot start a task in a chosen working directory (the platform has no per-run setting for it); drop it (run --workdir) and change directory in the command (-- sh -c 'cd /dir && ...'), or set WORKDIR in the image",
      at,
    );
  }
  if (request.interactive === true && !executor.capabilities.stdin) {
    throw unsupported(
      executor,
      'interactive',
      'cannot pass input to the stdin of a task (the platform cannot attach to a running task); drop it (run -i) and put the input where the task can read it: in the image, an environment variable or a secret',
      at,
    );
  }
}

/** The same for a kill: a chosen first signal, a chosen grace period. */
export function checkStopCapabilities(
  executor: Pick<TaskExecutor, 'provider' | 'capabilities'>,
  options: StopOptions,
  at: At = {},
): void {
  // SIGTERM is what every platform sends anyway; asking for it explicitly is no error.
  if (
    options.stopSignal !== undefined &&
    options.stopSignal !== 'SIGTERM' &&
    !executor.capabilities.stopSignal
  ) {
    throw unsupported(
      executor,
      'stopSignal',
      `cannot choose the signal a kill sends (the platform sends SIGTERM, then SIGKILL); drop ${options.stopSignal} (kill --signal)`,
      at,
    );
  }
  if (options.gracePeriodSeconds !== undefined && !executor.capabilities.stopGracePeriod) {
    throw unsupported(
      executor,
      'gracePeriodSeconds',
      'cannot choose the grace period of a kill (it is set on the platform, per task definition or job); drop it (kill --grace)',
      at,
    );
  }
}
