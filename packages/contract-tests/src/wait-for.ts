export interface WaitForOptions {
  /** Give up after this long. */
  timeoutMs: number;
  /** What is awaited, for the timeout message (e.g. `task abc to reach RUNNING`). */
  what: string;
  /** First pause between reads in ms; grows by half each time up to `maxIntervalMs`. @default 50 */
  intervalMs?: number;
  /** @default 1000 */
  maxIntervalMs?: number;
  /** Stops waiting (with the signal's reason) when aborted, e.g. the test's own signal. */
  signal?: AbortSignal;
}

/**
 * Reads `read()` until `until(value)` holds and returns that value. Polls with a growing pause so that
 * fast backends answer fast and slow ones are not hammered. Errors from `read` are not retried: a
 * NotFoundError in the middle of waiting is a finding, not noise. On timeout the error shows the last
 * value read, which is usually what explains the failure.
 */
export async function waitFor<T>(
  read: () => Promise<T>,
  until: (value: T) => boolean,
  options: WaitForOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let interval = options.intervalMs ?? 50;
  const maxInterval = options.maxIntervalMs ?? 1000;
  for (;;) {
    options.signal?.throwIfAborted();
    const value = await read();
    if (until(value)) return value;
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new Error(
        `timed out after ${options.timeoutMs} ms waiting for ${options.what}; last value read: ${show(value)}`,
      );
    }
    await sleep(Math.min(interval, left), options.signal);
    interval = Math.min(Math.ceil(interval * 1.5), maxInterval);
  }
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function show(value: unknown): string {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
  } catch {
    return String(value);
  }
}
