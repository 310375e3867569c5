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
import type { ErrorClass } from '@taskport/provider-utils';
import { PROVIDER } from './gcp-options.js';

/** gRPC status codes (numeric, as both the unary and the LRO errors of the Google clients carry them). */
export const Code = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/** The gRPC code of a Google client error, or undefined for anything else. */
export function grpcCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

function details(error: unknown): string {
  const e = error as { details?: unknown; message?: unknown } | null;
  const text = typeof e?.details === 'string' && e.details ? e.details : String(e?.message ?? error);
  // The clients prefix "<code> <NAME>: "; the code is in our message already.
  return text.replace(/^\d+ [A-Z_]+: /, '');
}

/**
 * How a failed call may be repeated. Only for calls that are safe to repeat (reads, conditional writes):
 * RunJob is never retried on an ambiguous error (see CloudRunTaskExecutor).
 */
export function classifyGcpError(error: unknown): ErrorClass {
  switch (grpcCode(error)) {
    case Code.RESOURCE_EXHAUSTED:
      return 'throttle';
    case Code.UNAVAILABLE:
    case Code.DEADLINE_EXCEEDED:
    case Code.INTERNAL:
    case Code.UNKNOWN:
      return 'transient';
    default:
      return 'permanent';
  }
}

/** True for errors after which the request may or may not have been carried out. */
export function isAmbiguous(error: unknown): boolean {
  const code = grpcCode(error);
  return (
    code === Code.UNAVAILABLE ||
    code === Code.DEADLINE_EXCEEDED ||
    code === Code.INTERNAL ||
    code === Code.UNKNOWN ||
    code === Code.CANCELLED ||
    code === Code.ABORTED
  );
}

/** Translates a Google client error into a TaskportError that names the operation; the original is the cause. */
export function translateGcpError(error: unknown, operation: string, what?: string): TaskportError {
  if (TaskportError.isInstance(error)) return error;
  const at = { provider: PROVIDER, operation, cause: error };
  const text = details(error);
  const about = what ? `${what}: ` : '';
  switch (grpcCode(error)) {
    case Code.NOT_FOUND:
      return new NotFoundError(`${about}${text}`, at);
    case Code.ALREADY_EXISTS:
    case Code.ABORTED:
    case Code.FAILED_PRECONDITION:
      return new ConflictError(`${about}${text}`, at);
    case Code.INVALID_ARGUMENT:
    case Code.OUT_OF_RANGE:
      return new ValidationError(`${about}Cloud Run refused the request: ${text}`, at);
    case Code.PERMISSION_DENIED:
      return new ForbiddenError(
        `${about}${text}. Grant the caller the role this call needs (see docs/providers/gcp-cloudrun.md)`,
        at,
      );
    case Code.UNAUTHENTICATED:
      return new UnauthorizedError(
        `${about}${text}. Check the credentials (Application Default Credentials or gcp-cloudrun.credentials.keyFile)`,
        at,
      );
    case Code.RESOURCE_EXHAUSTED:
      return new UnavailableError(`${about}throttled or over quota (${text}); retry later`, at);
    case Code.UNAVAILABLE:
    case Code.DEADLINE_EXCEEDED:
    case Code.INTERNAL:
    case Code.UNKNOWN:
    case Code.CANCELLED:
      return new UnavailableError(`${about}${text}; retry later`, at);
    default:
      if (/credentials|metadata/i.test(text)) {
        return new UnauthorizedError(`${about}${text}. Configure Application Default Credentials`, at);
      }
      return new ProviderError(`${about}${text}`, at);
  }
}

interface Cancellable<T> extends Promise<T> {
  cancel?: () => void;
}

/**
 * One API call bounded by the caller's signal: an aborted signal rejects before the call; aborting
 * during it cancels the gRPC call (google-gax promises have `cancel()`) and rejects with the reason.
 */
export function withSignal<T>(call: () => Cancellable<T>, signal: AbortSignal | undefined): Promise<T> {
  signal?.throwIfAborted();
  const pending = call();
  if (!signal) return pending;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      pending.cancel?.();
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    pending.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
