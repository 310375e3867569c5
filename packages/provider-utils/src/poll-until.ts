import { UnavailableError } from '@taskport/core';
import { sleep } from './sleep.js';

export interface PollOptions {
  /** Absolute time (ms since the epoch) after which polling gives up. */
  deadline: number;
  signal?: AbortSignal | undefined;
  /** First wait between reads, in ms. @default 100 */
  initialDelayMs?: number;
  /** Growth of the wait after each read that was not done. @default 1.5 */
  factor?: number;
  /** Longest wait between reads, in ms. @default 2000 */
  maxDelayMs?: number;
  /** What is being waited for, for the error message ("execution e-1 to finish"). */
  what?: string;
  now?: () => number;
}

/**
 * Calls `read` until it returns a value other than `undefined`, waiting with exponential backoff between
 * reads, bounded by `deadline` and `signal`. Every wait the platform makes us do goes through here, so no
 * poll in taskport is unbounded (the Google clients' long-running operations have no total timeout by default).
 * @throws UnavailableError when the deadline passes first (retryable: the state may still arrive)
 */
export async function pollUntil<T>(read: () => Promise<T | undefined>, options: PollOptions): Promise<T> {
  const now = options.now ?? Date.now;
  const factor = options.factor ?? 1.5;
  const maxDelayMs = options.maxDelayMs ?? 2000;
  let delay = options.initialDelayMs ?? 100;
  for (;;) {
    options.signal?.throwIfAborted();
    const value = await read();
    if (value !== undefined) return value;
    const left = options.deadline - now();
    if (left <= 0) {
      throw new UnavailableError(
        `gave up waiting for ${options.what ?? 'the provider'} at the deadline; try again later`,
      );
    }
    await sleep(Math.min(delay, left), options.signal);
    delay = Math.min(maxDelayMs, delay * factor);
  }
}
