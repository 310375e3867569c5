import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ProviderError,
  TaskportError,
  UnauthorizedError,
  UnavailableError,
  ValidationError,
} from '@taskport/core';

export const PROVIDER = 'kubernetes';

/** What the API server said, read from an ApiException (`code`, `body`) or a network error. */
export interface ApiFailure {
  /** HTTP status; 0 for a connection that failed before any answer. */
  status: number;
  /** The Status object's `reason` (AlreadyExists, Conflict, Expired, ...), when the body had one. */
  reason?: string;
  message: string;
  /** `Retry-After` in seconds, when the server sent one (429, 503). */
  retryAfterSeconds?: number;
  /** The Status object's `metadata.continue` (a 410 Expired list answer carries one to go on with). */
  continueToken?: string;
}

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** Reads an error thrown by `@kubernetes/client-node` (or by the HTTP layer under it). */
export function apiFailure(error: unknown): ApiFailure | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as {
    code?: unknown;
    body?: unknown;
    headers?: Record<string, string>;
    message?: string;
    cause?: { code?: string };
  };
  if (typeof e.code === 'number') {
    let body: { reason?: string; message?: string; metadata?: { continue?: string } } = {};
    if (typeof e.body === 'string') {
      try {
        body = JSON.parse(e.body);
      } catch {
        body = { message: e.body.slice(0, 500) };
      }
    } else if (typeof e.body === 'object' && e.body !== null) {
      body = e.body as typeof body;
    }
    const retryAfter = Number(e.headers?.['retry-after']);
    return {
      status: e.code,
      ...(body.reason ? { reason: body.reason } : {}),
      message: body.message ?? e.message ?? `HTTP ${e.code}`,
      ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {}),
      ...(body.metadata?.continue ? { continueToken: body.metadata.continue } : {}),
    };
  }
  const code = typeof e.code === 'string' ? e.code : e.cause?.code;
  if (code && NETWORK_CODES.has(code)) return { status: 0, message: `${code}: ${e.message ?? ''}`.trim() };
  if (e.message === 'fetch failed' || (error as Error).name === 'FetchError') {
    return { status: 0, message: e.message ?? 'connection failed' };
  }
  return undefined;
}

export type ErrorClass = 'throttle' | 'transient' | 'permanent';

/** 429 is a throttle; 5xx (but 501) and connections that failed are transient; the rest is permanent. */
export function classifyKubernetesError(error: unknown): ErrorClass {
  if (isAbort(error)) return 'permanent';
  const failure = apiFailure(error);
  if (!failure) return 'permanent';
  if (failure.status === 429) return 'throttle';
  if (failure.status === 0 || (failure.status >= 500 && failure.status !== 501)) return 'transient';
  return 'permanent';
}

export function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}

export function isStatus(error: unknown, status: number): boolean {
  return apiFailure(error)?.status === status;
}

/**
 * Turns an API error into the TaskportError a caller can act on, keeping the original as `cause`.
 * Messages read `[kubernetes] Port.operation: ...` and say how to fix what can be fixed.
 * Errors that are already TaskportErrors, and aborts, pass through unchanged.
 */
export function translateKubernetesError(error: unknown, operation: string, what = ''): unknown {
  if (TaskportError.isInstance(error) || isAbort(error)) return error;
  const at = { provider: PROVIDER, operation, cause: error };
  const subject = what ? `${what}: ` : '';
  const failure = apiFailure(error);
  if (!failure) {
    const message = error instanceof Error ? error.message : String(error);
    return new ProviderError(`${subject}${message}`, at);
  }
  const said = `${failure.message}${failure.reason ? ` (${failure.reason})` : ''}`;
  switch (failure.status) {
    case 0:
      return new UnavailableError(
        `${subject}the API server did not answer (${failure.message}); check the kubeconfig's server address and that the cluster is up`,
        at,
      );
    case 400:
    case 422:
      return new ValidationError(`${subject}the API server rejected the request: ${said}`, at);
    case 401:
      return new UnauthorizedError(
        `${subject}the API server refused the credentials (${said}); refresh the kubeconfig's token or certificate`,
        at,
      );
    case 403:
      return new ForbiddenError(
        `${subject}${said}. Grant the Role in docs/providers/kubernetes.md to the service account taskport runs as`,
        at,
      );
    case 404:
      return new NotFoundError(`${subject}not found (${said})`, at);
    case 409:
      return new ConflictError(`${subject}${said}`, at);
    case 429:
      return new UnavailableError(`${subject}the API server is throttling requests (${said})`, at);
    default:
      if (failure.status >= 500) {
        return new UnavailableError(
          `${subject}the API server failed with HTTP ${failure.status}: ${said}`,
          at,
        );
      }
      return new ProviderError(`${subject}HTTP ${failure.status}: ${said}`, at);
  }
}
