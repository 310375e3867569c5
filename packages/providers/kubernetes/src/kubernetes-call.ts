import {
  type ConfigurationOptions,
  Observable,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';
import { type RetryPolicy, withRetry } from '@taskport/provider-utils';
import { classifyKubernetesError, translateKubernetesError } from './kubernetes-errors.js';

/** What the adapters' API calls are retried with when the options name no policy. */
export const DEFAULT_KUBERNETES_RETRY: RetryPolicy = { maxAttempts: 8, budgetMs: 20_000, maxDelayMs: 2_000 };

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
 * Runs one API call with retries of throttles (429) and transient failures (5xx, broken connections)
 * under the policy's budget (provider-utils' withRetry), then translates what is left into a
 * TaskportError naming `operation`. The call gets its per-attempt client options (carrying the signal).
 * An already-aborted signal rejects before any request.
 */
export async function kubernetesCall<T>(
  operation: string,
  call: (options: ConfigurationOptions) => Promise<T>,
  settings: {
    signal?: AbortSignal | undefined;
    what?: string;
    retry?: RetryPolicy | undefined;
    /** Rethrow the client's own error instead of translating it (for callers that inspect the status). */
    raw?: boolean;
    /** Content-Type of the body (patches). */
    contentType?: string;
  } = {},
): Promise<T> {
  try {
    return await withRetry(() => call(callOptions(settings.signal, settings.contentType)), {
      classify: classifyKubernetesError,
      policy: settings.retry ?? DEFAULT_KUBERNETES_RETRY,
      signal: settings.signal,
    });
  } catch (error) {
    if (settings.signal?.aborted) throw settings.signal.reason;
    throw settings.raw ? error : translateKubernetesError(error, operation, settings.what);
  }
}
