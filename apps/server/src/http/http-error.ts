import { TaskportError, type TaskportErrorCode } from '@taskport/core';

/** An error body: `{ error: { code, message, requestId, details? } }`. */
export interface ErrorBodyJson {
  error: { code: string; message: string; requestId: string; details?: Record<string, unknown> };
}

const STATUS: Record<TaskportErrorCode, number> = {
  VALIDATION: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  UNSUPPORTED: 501,
  UNAVAILABLE: 503,
  PROVIDER: 502,
  CONFIGURATION: 500,
};

/** Codes whose messages are written for the caller (what to fix); the others may carry provider text. */
const CALLER_FACING = new Set<TaskportErrorCode>([
  'VALIDATION',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'UNSUPPORTED',
]);

/** Rate limiting, which is the server's own and has no TaskportError code. */
export class RateLimitedError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super(`too many requests for this API key; retry in ${retryAfterSeconds} s`);
  }
}

/**
 * The HTTP status and body for any error. Messages of caller-facing errors go out as they are (they say
 * what to fix and never hold secrets); provider, configuration and unknown errors become a generic
 * message pointing at the request id - the detail stays in the server's log, where `trace` finds it.
 */
export function toHttpError(error: unknown, requestId: string): { status: number; body: ErrorBodyJson } {
  if (error instanceof RateLimitedError) {
    return { status: 429, body: body('RATE_LIMITED', error.message, requestId) };
  }
  if (TaskportError.isInstance(error)) {
    const status = STATUS[error.code] ?? 500;
    if (CALLER_FACING.has(error.code)) {
      const details = safeDetails(error.details);
      return { status, body: body(error.code, stripPrefix(error.message), requestId, details) };
    }
    const message =
      error.code === 'UNAVAILABLE'
        ? `the backend is temporarily unavailable; retry later (request ${requestId})`
        : `the ${error.provider ? `${error.provider} ` : ''}provider failed; an operator can look it up with: taskport trace ${requestId}`;
    return { status, body: body(error.code, message, requestId) };
  }
  const fastify = fastifyClientError(error);
  if (fastify) return { status: fastify.status, body: body(fastify.code, fastify.message, requestId) };
  return {
    status: 500,
    body: body(
      'INTERNAL',
      `internal error; an operator can look it up with: taskport trace ${requestId}`,
      requestId,
    ),
  };
}

function body(
  code: string,
  message: string,
  requestId: string,
  details?: Record<string, unknown>,
): ErrorBodyJson {
  return { error: { code, message, requestId, ...(details ? { details } : {}) } };
}

/** Fastify's own 4xx errors (bad JSON, wrong content type, body too large, schema validation). */
function fastifyClientError(error: unknown): { status: number; code: string; message: string } | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { statusCode?: unknown; message?: unknown; validation?: unknown; code?: unknown };
  if (typeof e.statusCode !== 'number' || e.statusCode < 400 || e.statusCode >= 500) return undefined;
  const message = typeof e.message === 'string' ? e.message : 'bad request';
  if (e.statusCode === 404) return { status: 404, code: 'NOT_FOUND', message };
  if (e.statusCode === 406) return { status: 406, code: 'VALIDATION', message };
  return {
    status: e.statusCode,
    code: 'VALIDATION',
    message: e.validation ? `invalid request: ${message}` : message,
  };
}

/** Only plain scalar details (field names, allowed values) - nothing nested that might hold provider data. */
function safeDetails(details: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!details) return undefined;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(details)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      out[key] = value;
    else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) out[key] = value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** `[local] ImageRegistry.getImage: no image x` -> `no image x`: the prefix is for operators. */
function stripPrefix(message: string): string {
  return message.replace(/^\[[\w-]+\] (?:[A-Za-z]+\.[A-Za-z]+: )?/, '');
}
