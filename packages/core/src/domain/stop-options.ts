import { ValidationError } from '../errors/taskport-error.js';

/**
 * The signals a kill may start with. A fixed list, by name: every platform that can send a chosen signal
 * takes these (Linux numbering for the numeric forms users type, as `docker kill --signal 2` does).
 */
export const STOP_SIGNALS = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGUSR2: 12,
  SIGTERM: 15,
} as const;

export type StopSignal = keyof typeof STOP_SIGNALS;

/** The longest grace period a kill may ask for: an hour (Kubernetes and Docker take any, ECS 120 s). */
export const MAX_GRACE_PERIOD_SECONDS = 3600;

/** How a kill stops a task: the first signal, and how long to wait before SIGKILL. */
export interface StopOptions {
  /** Sent to the task first. @default 'SIGTERM' (the platform's own stop signal where it cannot choose) */
  stopSignal?: StopSignal;
  /** Seconds between the first signal and SIGKILL; 0 sends SIGKILL at once. @default the executor's */
  gracePeriodSeconds?: number;
}

/**
 * `SIGINT`, `INT`, `int` and `2` all name SIGINT; anything else is a ValidationError listing the names.
 */
export function parseStopSignal(text: string): StopSignal {
  const trimmed = String(text).trim().toUpperCase();
  if (/^\d+$/.test(trimmed)) {
    const byNumber = Object.entries(STOP_SIGNALS).find(([, number]) => String(number) === trimmed);
    if (byNumber) return byNumber[0] as StopSignal;
  } else {
    const name = trimmed.startsWith('SIG') ? trimmed : `SIG${trimmed}`;
    if (Object.hasOwn(STOP_SIGNALS, name)) return name as StopSignal;
  }
  throw new ValidationError(
    `unknown stop signal "${text}"; use one of ${Object.keys(STOP_SIGNALS).join(', ')} (or its number)`,
    { details: { field: 'stopSignal' } },
  );
}

/** Checks kill options before anything is asked of a provider; returns them normalised. */
export function validateStopOptions(options: StopOptions | undefined): StopOptions {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object') {
    throw new ValidationError('stop options must be an object', { details: { field: 'stopOptions' } });
  }
  const out: StopOptions = {};
  if (options.stopSignal !== undefined) out.stopSignal = parseStopSignal(options.stopSignal);
  const grace = options.gracePeriodSeconds;
  if (grace !== undefined) {
    if (!Number.isSafeInteger(grace) || grace < 0 || grace > MAX_GRACE_PERIOD_SECONDS) {
      throw new ValidationError(
        `gracePeriodSeconds must be a whole number from 0 to ${MAX_GRACE_PERIOD_SECONDS}, got ${String(grace)}`,
        { details: { field: 'gracePeriodSeconds' } },
      );
    }
    out.gracePeriodSeconds = grace;
  }
  return out;
}
