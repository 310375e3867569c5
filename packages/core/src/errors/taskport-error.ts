/**
 * The one error base of taskport. Every error a port, adapter or the Service throws on purpose is a
 * TaskportError with a stable `code`, a `retryable` flag and the original vendor error as `cause`.
 *
 * Recognise it with `TaskportError.isInstance(e)` (or a subclass's `isInstance`), not `instanceof`:
 * the check reads a `Symbol.for` marker, so it still works when two copies of this package are loaded.
 */

export type TaskportErrorCode =
  | 'VALIDATION'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'UNAVAILABLE'
  | 'PROVIDER'
  | 'CONFIGURATION'
  | 'UNSUPPORTED';

const marker = Symbol.for('taskport.error');
const codeMarker = Symbol.for('taskport.error.code');

export interface TaskportErrorOptions {
  /** The vendor or lower-level error this one translates. */
  cause?: unknown;
  /** Whether repeating the same call may succeed. Defaults per code (UNAVAILABLE is retryable). */
  retryable?: boolean;
  /** Provider that raised it, e.g. `aws`, `local`; shown as `[taskport] [aws]` in the message. */
  provider?: string;
  /** Port operation, e.g. `TaskExecutor.startTask`. */
  operation?: string;
  /** Structured details a client may show (field names, allowed values). Never secrets. */
  details?: Record<string, unknown>;
}

export class TaskportError extends Error {
  readonly [marker] = true;
  readonly code: TaskportErrorCode;
  readonly retryable: boolean;
  readonly provider: string | undefined;
  readonly operation: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: TaskportErrorCode, message: string, options: TaskportErrorOptions = {}) {
    super(
      formatMessage(message, options),
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'TaskportError';
    this.code = code;
    this.retryable = options.retryable ?? code === 'UNAVAILABLE';
    this.provider = options.provider;
    this.operation = options.operation;
    this.details = options.details;
  }

  static isInstance(error: unknown): error is TaskportError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[marker] === true;
  }

  /** True when `error` is a TaskportError with this code. */
  static hasCode(error: unknown, code: TaskportErrorCode): error is TaskportError {
    return TaskportError.isInstance(error) && error.code === code;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      ...(this.provider ? { provider: this.provider } : {}),
      ...(this.operation ? { operation: this.operation } : {}),
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

function formatMessage(message: string, options: TaskportErrorOptions): string {
  const prefix = options.provider ? `[${options.provider}] ` : '';
  const operation = options.operation ? `${options.operation}: ` : '';
  return `${prefix}${operation}${message}`;
}

/** Builds a subclass whose `isInstance` checks the code, so it survives duplicated package copies too. */
function subclass(code: TaskportErrorCode, name: string) {
  const Sub = class extends TaskportError {
    constructor(message: string, options: TaskportErrorOptions = {}) {
      super(code, message, options);
      this.name = name;
    }
    static override isInstance(error: unknown): error is TaskportError {
      return TaskportError.hasCode(error, code);
    }
  };
  Object.defineProperty(Sub, 'name', { value: name });
  Object.defineProperty(Sub.prototype, codeMarker, { value: code });
  return Sub;
}

/** Input is wrong; the message says which field and how to fix it. No provider call was made. */
export const ValidationError = subclass('VALIDATION', 'ValidationError');
export type ValidationError = InstanceType<typeof ValidationError>;
/** The execution, image or record does not exist. */
export const NotFoundError = subclass('NOT_FOUND', 'NotFoundError');
export type NotFoundError = InstanceType<typeof NotFoundError>;
/** The operation does not fit the current state (already exists, already finished, lost a race). */
export const ConflictError = subclass('CONFLICT', 'ConflictError');
export type ConflictError = InstanceType<typeof ConflictError>;
/** Credentials are missing or invalid. */
export const UnauthorizedError = subclass('UNAUTHORIZED', 'UnauthorizedError');
export type UnauthorizedError = InstanceType<typeof UnauthorizedError>;
/** Credentials are valid but lack a permission. */
export const ForbiddenError = subclass('FORBIDDEN', 'ForbiddenError');
export type ForbiddenError = InstanceType<typeof ForbiddenError>;
/** The backend is temporarily unable to answer (throttled, 5xx, not ready yet); retryable. */
export const UnavailableError = subclass('UNAVAILABLE', 'UnavailableError');
export type UnavailableError = InstanceType<typeof UnavailableError>;
/** The provider failed in a way that is not the caller's fault and is not known to be transient. */
export const ProviderError = subclass('PROVIDER', 'ProviderError');
export type ProviderError = InstanceType<typeof ProviderError>;
/** The deployment configuration is wrong or incomplete; the message names the key. */
export const ConfigurationError = subclass('CONFIGURATION', 'ConfigurationError');
export type ConfigurationError = InstanceType<typeof ConfigurationError>;
/** The adapter does not support this operation (declared in its capabilities). */
export const UnsupportedOperationError = subclass('UNSUPPORTED', 'UnsupportedOperationError');
export type UnsupportedOperationError = InstanceType<typeof UnsupportedOperationError>;
