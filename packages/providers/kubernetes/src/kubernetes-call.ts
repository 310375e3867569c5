import {
  type ConfigurationOptions,
  Observable,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';
import { apiFailure, classifyKubernetesError, translateKubernetesError } from './kubernetes-errors.js';

/** How API calls are retried when the server throttles (429) or fails transiently (5xx, broken connection). */
export interface RetryPolicy {
  /** Total time one call may spend on retries, in ms. @default 20_000 */
  budgetMs: number;
  /** First backoff cap in ms; doubles per attempt (full jitter). @default 100 */
  baseDelayMs: number;
  /** Largest backoff cap in ms. @default 2_000 */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { budgetMs: 20_000, baseDelayMs: 100, maxDelayMs: 2_000 };

/**
 * Per-call client options: the abort signal reaches the HTTP request (so an abort cancels it), and an
 * optional Content-Type (patches need one). Middleware is appended to the client's own.
 */
export function callOptions(signal?: AbortSignal, contentType?: string): ConfigurationOptions {
  return {
    middleware: [
      {
        // Observable-style middleware, as client-node's own setHeaderOptions builds it (the per-call
        // options go to the observable API, which calls toPromise on what middleware returns).
        pre: (context: RequestContext) => {
          if (signal) context.setSignal(signal);
          if (contentType) context.setHeaderParam('Content-Type', contentType);
          return new Observable(Promise.resolve(context));
        },
        post: (response: ResponseContext) => new Observable(Promise.resolve(response)),
      },
    ],
    middlewareMergeStrategy: 'append',
  } as unknown as ConfigurationOptions;
}

/**
 * Runs one API call with retries for throttling and transient failures, within a time budget, then
 * translates what is left into a TaskportError naming `operation`. The call gets its per-attempt
 * client options (carrying the signal). An already-aborted signal rejects before any request.
 */
export async function kubernetesCall<T>(
  operation: string,
  call: (options: ConfigurationOptions) => Promise<T>,
  settings: {
    signal?: AbortSignal | undefined;
    what?: string;
    retry?: RetryPolicy;
    /** Rethrow the client's own error instead of translating it (for callers that inspect the status). */
    raw?: boolean;
    /** Content-Type of the body (patches). */
    contentType?: string;
  } = {},
): Promise<T> {
  const { signal } = settings;
  const retry = settings.retry ?? DEFAULT_RETRY;
  const deadline = Date.now() + retry.budgetMs;
  for (let attempt = 0; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await call(callOptions(signal, settings.contentType));
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      const kind = classifyKubernetesError(error);
      const cap = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** attempt);
      const retryAfterMs = (apiFailure(error)?.retryAfterSeconds ?? 0) * 1000;
      const delay = Math.max(Math.random() * cap, Math.min(retryAfterMs, retry.maxDelayMs));
      if (kind === 'permanent' || Date.now() + delay > deadline) {
        throw settings.raw ? error : translateKubernetesError(error, operation, settings.what);
      }
      await sleep(delay, signal);
    }
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
