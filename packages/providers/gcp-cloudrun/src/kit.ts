/*
 * Stand-ins for the parts of @taskport/provider-utils this provider uses (same names and signatures),
 * until that package lands on main; then these imports switch over and this file goes.
 */
import { TaskportError, UnavailableError } from '@taskport/core';

export type ErrorClass = 'throttle' | 'transient' | 'permanent';
export type ErrorClassifier = (error: unknown) => ErrorClass;

export interface RetryPolicy {
  maxAttempts?: number;
  baseDelayMs?: number;
  throttleBaseDelayMs?: number;
  maxDelayMs?: number;
  budgetMs?: number;
}

const DEFAULT_RETRY_POLICY: Required<RetryPolicy> = {
  maxAttempts: 8,
  baseDelayMs: 100,
  throttleBaseDelayMs: 250,
  maxDelayMs: 5000,
  budgetMs: 30_000,
};

export interface RetryOptions {
  classify: ErrorClassifier;
  policy?: RetryPolicy | undefined;
  signal?: AbortSignal | undefined;
  random?: () => number;
  onRetry?: (info: { attempt: number; delayMs: number; errorClass: ErrorClass; error: unknown }) => void;
}

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

export async function withRetry<T>(call: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const policy = { ...DEFAULT_RETRY_POLICY, ...options.policy };
  const random = options.random ?? Math.random;
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    try {
      return await call(attempt);
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      const errorClass = TaskportError.isInstance(error)
        ? error.retryable
          ? 'transient'
          : 'permanent'
        : options.classify(error);
      if (errorClass === 'permanent' || attempt >= policy.maxAttempts) throw error;
      const base = errorClass === 'throttle' ? policy.throttleBaseDelayMs : policy.baseDelayMs;
      const delayMs = Math.floor(random() * Math.min(policy.maxDelayMs, base * 2 ** (attempt - 1)));
      if (Date.now() - started + delayMs > policy.budgetMs) throw error;
      options.onRetry?.({ attempt, delayMs, errorClass, error });
      await sleep(delayMs, options.signal);
    }
  }
}

export interface PollOptions {
  deadline: number;
  signal?: AbortSignal | undefined;
  initialDelayMs?: number;
  factor?: number;
  maxDelayMs?: number;
  what?: string;
}

export async function pollUntil<T>(read: () => Promise<T | undefined>, options: PollOptions): Promise<T> {
  let delay = options.initialDelayMs ?? 100;
  for (;;) {
    options.signal?.throwIfAborted();
    const value = await read();
    if (value !== undefined) return value;
    const left = options.deadline - Date.now();
    if (left <= 0) {
      throw new UnavailableError(
        `gave up waiting for ${options.what ?? 'the provider'} at the deadline; try again later`,
      );
    }
    await sleep(Math.min(delay, left), options.signal);
    delay = Math.min(options.maxDelayMs ?? 2000, delay * (options.factor ?? 1.5));
  }
}
