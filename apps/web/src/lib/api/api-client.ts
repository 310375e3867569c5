import { ApiError, apiErrorFrom } from './api-error.js';
import type {
  Execution,
  ExecutionPage,
  ExecutionStatus,
  ImageConfigBody,
  ImageInfo,
  LogEvent,
  LogsPage,
  RunBody,
  TraceResult,
  WhoAmI,
} from './types.js';

/** Filters of the executions list; they map one to one onto the query of `GET /executions`. */
export interface ExecutionQuery {
  status?: readonly ExecutionStatus[];
  /** `key=value` pairs; an execution must carry all of them. */
  labels?: readonly string[];
  cursor?: string;
  limit?: number;
}

export interface ApiClientOptions {
  /** Origin + prefix of the API. @default '/api/v1' (same origin: the server serves the console) */
  baseUrl?: string;
  /** The API key of the session, or null when signed out. */
  getKey: () => string | null;
  /** Called once per 401 answer: the key is expired or revoked. */
  onUnauthorized?: (error: ApiError) => void;
  /** Injected for tests. @default globalThis.fetch */
  fetch?: typeof fetch;
}

interface RequestOptions {
  query?: URLSearchParams;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Sign-in checks a key that is not stored yet. */
  key?: string;
}

/**
 * The console's only way to the server: every call carries `Authorization: Bearer <key>`, every non-2xx
 * answer becomes an ApiError with the API's own message and request id.
 */
export class ApiClient {
  readonly baseUrl: string;
  readonly #options: ApiClientOptions;
  readonly #fetch: typeof fetch;

  constructor(options: ApiClientOptions) {
    this.#options = options;
    this.baseUrl = (options.baseUrl ?? '/api/v1').replace(/\/$/, '');
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** Headers every request sends; the log stream adds its own on top. */
  authHeaders(key = this.#options.getKey()): Record<string, string> {
    return key ? { authorization: `Bearer ${key}` } : {};
  }

  /** The fetch the client uses (the log stream reads its body itself). */
  get fetch(): typeof fetch {
    return this.#fetch;
  }

  /** Reports a 401 seen outside `request` (the log stream) the same way. */
  reportUnauthorized(error: ApiError): void {
    this.#options.onUnauthorized?.(error);
  }

  url(path: string, query?: URLSearchParams): string {
    const search = query?.toString();
    return `${this.baseUrl}${path}${search ? `?${search}` : ''}`;
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...this.authHeaders(options.key),
      ...options.headers,
    };
    const init: RequestInit = { method, headers };
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(options.body);
    }
    if (options.signal) init.signal = options.signal;
    let response: Response;
    try {
      response = await this.#fetch(this.url(path, options.query), init);
    } catch (cause) {
      if (options.signal?.aborted) throw cause;
      throw new ApiError(0, 'NETWORK', 'The server could not be reached. Is `taskport server` running?');
    }
    if (!response.ok) {
      const error = await apiErrorFrom(response);
      if (error.isUnauthorized && !options.key) this.#options.onUnauthorized?.(error);
      throw error;
    }
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Who holds `key` (or the session's key). Used by sign-in to check a key before keeping it. */
  whoami(key?: string, signal?: AbortSignal): Promise<WhoAmI> {
    return this.request<WhoAmI>('GET', '/users/me', {
      ...(key ? { key } : {}),
      ...(signal ? { signal } : {}),
    });
  }

  listExecutions(query: ExecutionQuery, signal?: AbortSignal): Promise<ExecutionPage> {
    const params = new URLSearchParams();
    if (query.status?.length) params.set('status', query.status.join(','));
    for (const label of query.labels ?? []) params.append('label', label);
    if (query.cursor) params.set('cursor', query.cursor);
    if (query.limit) params.set('limit', String(query.limit));
    return this.request<ExecutionPage>('GET', '/executions', {
      query: params,
      ...(signal ? { signal } : {}),
    });
  }

  getExecution(id: string, signal?: AbortSignal): Promise<Execution> {
    return this.request<Execution>('GET', `/executions/${encodeURIComponent(id)}`, signal ? { signal } : {});
  }

  /** One JSON page of log events after `after` (a cursor). */
  getLogsPage(id: string, after?: string, limit = 10_000, signal?: AbortSignal): Promise<LogsPage> {
    const query = new URLSearchParams({ limit: String(limit) });
    if (after) query.set('after', after);
    return this.request<LogsPage>('GET', `/executions/${encodeURIComponent(id)}/logs`, {
      query,
      ...(signal ? { signal } : {}),
    });
  }

  /**
   * Every log event so far, page after page (the download uses it, so it has the whole log even when the
   * view has dropped old rows). Stops at the last page, or when a page brings nothing new.
   */
  async *allLogs(id: string, signal?: AbortSignal): AsyncGenerator<LogEvent[]> {
    let after: string | undefined;
    for (;;) {
      const page = await this.getLogsPage(id, after, 10_000, signal);
      if (page.events.length) yield page.events;
      if (!page.nextCursor || page.events.length === 0 || page.nextCursor === after) return;
      after = page.nextCursor;
    }
  }

  /** Asks for a kill; the final status arrives later (TERMINATING first). */
  kill(id: string): Promise<Execution> {
    return this.request<{ execution: Execution }>('DELETE', `/executions/${encodeURIComponent(id)}`).then(
      (body) => body.execution,
    );
  }

  /** Starts a run; `idempotencyKey` makes a retried submit return the same execution. */
  run(body: RunBody, idempotencyKey: string): Promise<{ execution: Execution; requestId: string }> {
    return this.request('POST', '/run', { body, headers: { 'idempotency-key': idempotencyKey } });
  }

  listImages(signal?: AbortSignal): Promise<ImageInfo[]> {
    return this.request<{ images: ImageInfo[] }>('GET', '/images', signal ? { signal } : {}).then(
      (body) => body.images,
    );
  }

  registerImage(config: ImageConfigBody): Promise<ImageInfo> {
    return this.request<ImageInfo>('POST', '/images', { body: config });
  }

  setDefaultImage(ref: string): Promise<ImageInfo> {
    return this.request<ImageInfo>('PUT', '/images/default', { body: { ref } });
  }

  removeImage(ref: string): Promise<void> {
    return this.request<void>('DELETE', `/images/${encodeURIComponent(ref)}`);
  }

  trace(requestId: string, signal?: AbortSignal): Promise<TraceResult> {
    return this.request<TraceResult>(
      'GET',
      `/trace/${encodeURIComponent(requestId)}`,
      signal ? { signal } : {},
    );
  }
}
