import { TaskportError } from '@taskport/core';
import { sleep } from './sleep.js';

/**
 * What a failed call means for retrying it:
 * - `throttle`: the provider asked us to slow down; the same call will work later (longer backoff);
 * - `transient`: a 5xx, a dropped connection, a lost race; the same call may work now;
 * - `permanent`: the call is wrong or not allowed; repeating it cannot help.
 */
export type ErrorClass = 'throttle' | 'transient' | 'permanent';

/** A provider's reading of its own vendor errors. */
export type ErrorClassifier = (error: unknown) => ErrorClass;

/** How the retries of one call are spread. */
export interface RetryPolicy {
  /** Attempts per call, the first included. @default 8 */
  maxAttempts?: number;
  /** First backoff ceiling in ms; doubles each attempt, the delay is drawn below it (full jitter). @default 100 */
  baseDelayMs?: number;
  /** Ceiling of the first backoff after a throttle, in ms (throttles need more room than 5xx). @default 250 */
  throttleBaseDelayMs?: number;
  /** Largest single backoff in ms. @default 5000 */
  maxDelayMs?: number;
  /**
   * Total time one call may spend on attempts and backoff, in ms. A backoff that would end past the budget is
   * not slept: the last error is reported at once. @default 30000
   */
  budgetMs?: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<Required<RetryPolicy>> = {
  maxAttempts: 8,
  baseDelayMs: 100,
  throttleBaseDelayMs: 250,
  maxDelayMs: 5000,
  budgetMs: 30_000,
};

export interface RetryOptions {
  /** Classifies vendor errors. A TaskportError is classified by its own `retryable` flag first. */
  classify: ErrorClassifier;
  policy?: RetryPolicy | undefined;
  /** Aborting stops at once with the signal's reason, also during a backoff. */
  signal?: AbortSignal | undefined;
  /** Source of randomness (tests pass a fixed one). @default Math.random */
  random?: () => number;
  /** Clock in ms (tests pass a fake one). @default Date.now */
  now?: () => number;
  /** Called before each backoff, e.g. to count retries in a benchmark. */
  onRetry?: (info: { attempt: number; delayMs: number; errorClass: ErrorClass; error: unknown }) => void;
}

/** How `classify` is applied: TaskportErrors carry their own verdict. */
export function classifyError(error: unknown, classify: ErrorClassifier): ErrorClass {
  if (TaskportError.isInstance(error)) return error.retryable ? 'transient' : 'permanent';
  return classify(error);
}

/**
 * Runs `call` until it succeeds, retrying throttles and transient failures with full-jitter exponential
 * backoff (delay drawn uniformly in [0, min(max, base * 2^n))) while attempts and the time budget last.
 * Permanent errors are thrown at once. The caller translates the final error at its edge.
 *
 * Only use it for calls that are safe to repeat: idempotent reads, or writes that carry a client token.
 */
export async function withRetry<T>(call: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const policy = { ...DEFAULT_RETRY_POLICY, ...options.policy };
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const started = now();
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    try {
      return await call(attempt);
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      const errorClass = classifyError(error, options.classify);
      if (errorClass === 'permanent' || attempt >= policy.maxAttempts) throw error;
      const base = errorClass === 'throttle' ? policy.throttleBaseDelayMs : policy.baseDelayMs;
      const ceiling = Math.min(policy.maxDelayMs, base * 2 ** (attempt - 1));
      const delayMs = Math.floor(random() * ceiling);
      if (now() - started + delayMs > policy.budgetMs) throw error;
      options.onRetry?.({ attempt, delayMs, errorClass, error });
      await sleep(delayMs, options.signal);
    }
  }
}
