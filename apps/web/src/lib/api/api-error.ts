/**
 * An error answered by the API (`{ error: { code, message, requestId } }`), or a failure to reach it.
 * The console shows `message` as the API gave it, with the request id so a person can trace it.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  /** HTTP status; 0 when the server could not be reached. */
  readonly status: number;
  /** The API's error code (VALIDATION, NOT_FOUND, UNAUTHORIZED, ...); `NETWORK` when unreachable. */
  readonly code: string;
  readonly requestId: string | undefined;

  constructor(status: number, code: string, message: string, requestId?: string) {
    super(message);
    this.status = status;
    this.code = code;
    this.requestId = requestId;
  }

  /** The key is missing, expired or revoked: the console returns to sign-in. */
  get isUnauthorized(): boolean {
    return this.status === 401;
  }
}

/** Builds the ApiError for a non-2xx response, reading the error body when there is one. */
export async function apiErrorFrom(response: Response): Promise<ApiError> {
  const headerId = response.headers.get('x-request-id') ?? undefined;
  let code = `HTTP_${response.status}`;
  let message = response.statusText || `HTTP ${response.status}`;
  let requestId = headerId;
  try {
    const body: unknown = await response.json();
    const error = (body as { error?: unknown } | null)?.error;
    if (error && typeof error === 'object') {
      const fields = error as { code?: unknown; message?: unknown; requestId?: unknown };
      if (typeof fields.code === 'string') code = fields.code;
      if (typeof fields.message === 'string') message = fields.message;
      if (typeof fields.requestId === 'string') requestId = fields.requestId;
    }
  } catch {
    // Not JSON (a proxy's error page, say): the status line is all there is to show.
  }
  return new ApiError(response.status, code, message, requestId);
}
