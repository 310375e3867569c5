import {
  type Execution,
  type ExecutionPage,
  type ExecutionRequest,
  type ImageConfig,
  type ImageInfo,
  type KillResult,
  type ListExecutionsQuery,
  type LogEvent,
  type PruneResult,
  type ReconcileResult,
  type RemoveResult,
  type RequestContext,
  type RunResult,
  type StopOptions,
  TaskportError,
  type TaskportErrorCode,
  type TraceResult,
  UnavailableError,
  UnsupportedOperationError,
} from '@taskport/core';
import type { ExecutionJson, ImageJson, LogEventJson } from '@taskport/server';
import { parseSseStream } from './sse-stream.js';
import type { RemoteUser, TaskportApi, UsersApi } from './taskport-api.js';
import { toExecution, toImageInfo, toLogEvent } from './wire.js';

const CODES = new Set<TaskportErrorCode>([
  'VALIDATION',
  'NOT_FOUND',
  'CONFLICT',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'UNAVAILABLE',
  'PROVIDER',
  'CONFIGURATION',
  'UNSUPPORTED',
]);
const PAGE = 1000;

/**
 * The Service's operations through the HTTP API (`/api/v1`). Errors come back as the TaskportErrors the
 * server mapped them from (same code, same message), so commands print the same lines and exit with
 * the same codes as in-process.
 */
export class RemoteService implements TaskportApi, UsersApi {
  constructor(
    readonly url: string,
    private readonly apiKey: string,
  ) {}

  async runCommand(
    _userEmail: string,
    request: ExecutionRequest,
    context: RequestContext = {},
  ): Promise<RunResult> {
    // The server records the key's user as the one who ran it; the local user name is not sent.
    const body = await this.call<{ execution: ExecutionJson; requestId: string; reused: boolean }>(
      'POST',
      '/run',
      {
        body: request,
        context,
      },
    );
    return { execution: toExecution(body.execution), requestId: body.requestId, reused: body.reused };
  }

  /** The server takes whole execution ids; a prefix is passed on as it is and must then match exactly. */
  async resolveExecutionId(ref: string): Promise<string> {
    return ref;
  }

  /** Retention is the server operator's: the API has no route for it yet. */
  async removeExecution(_executionId: string): Promise<RemoveResult> {
    throw new UnsupportedOperationError(
      `removing executions is not offered by the taskport server at ${this.url}; run \`taskport rm\` where the server's data lives`,
    );
  }

  async pruneExecutions(): Promise<PruneResult> {
    throw new UnsupportedOperationError(
      `pruning is not offered by the taskport server at ${this.url}; the server applies its retention every hour (retention: in its taskport.yaml, or TASKPORT_RETENTION where it runs)`,
    );
  }

  async killExecution(
    executionId: string,
    context: RequestContext = {},
    stop: StopOptions = {},
  ): Promise<KillResult> {
    const query = new URLSearchParams();
    if (stop.stopSignal !== undefined) query.set('signal', stop.stopSignal);
    if (stop.gracePeriodSeconds !== undefined)
      query.set('gracePeriodSeconds', String(stop.gracePeriodSeconds));
    const body = await this.call<{ execution: ExecutionJson; requestId: string; alreadyFinished: boolean }>(
      'DELETE',
      `/executions/${encodeURIComponent(executionId)}${query.size > 0 ? `?${query}` : ''}`,
      { context },
    );
    return {
      execution: toExecution(body.execution),
      requestId: body.requestId,
      alreadyFinished: body.alreadyFinished,
    };
  }

  /**
   * Streams `input` as the body of POST /executions/:id/stdin (chunked, read as it comes); resolves when
   * the server says the task took all of it.
   */
  async sendInput(
    executionId: string,
    input: AsyncIterable<Uint8Array>,
    context: RequestContext = {},
  ): Promise<void> {
    const response = await this.fetch('POST', `/executions/${encodeURIComponent(executionId)}/stdin`, {
      context,
      stream: input,
    });
    if (!response.ok) throw await errorOf(response);
  }

  async getExecutionStatus(executionId: string, context: RequestContext = {}): Promise<Execution> {
    return toExecution(
      await this.call<ExecutionJson>('GET', `/executions/${encodeURIComponent(executionId)}`, { context }),
    );
  }

  async listExecutions(
    query: Omit<ListExecutionsQuery, 'signal'> = {},
    context: RequestContext = {},
  ): Promise<ExecutionPage> {
    const params = new URLSearchParams();
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    if (query.cursor) params.set('cursor', query.cursor);
    if (query.status && query.status.length > 0) params.set('status', query.status.join(','));
    // Label filters: the server applies them (`label=k=v`); the query type gains them with `list --label`.
    const labels = (query as { labels?: Record<string, string> }).labels ?? {};
    for (const [k, v] of Object.entries(labels)) params.append('label', `${k}=${v}`);
    const body = await this.call<{ executions: ExecutionJson[]; nextCursor: string | null }>(
      'GET',
      `/executions${params.size > 0 ? `?${params}` : ''}`,
      { context },
    );
    return {
      items: body.executions.map(toExecution),
      ...(body.nextCursor ? { nextCursor: body.nextCursor } : {}),
    };
  }

  async getLogs(
    executionId: string,
    context: RequestContext = {},
  ): Promise<{ execution: Execution; events: LogEvent[] }> {
    const events: LogEvent[] = [];
    for await (const event of this.streamLogs(executionId, context)) events.push(event);
    return { execution: await this.getExecutionStatus(executionId, context), events };
  }

  /**
   * Without `follow`: JSON pages until a short page. With `follow`: the SSE stream to its `end` event,
   * reconnecting with Last-Event-ID when the connection drops (a restarting server, a proxy timeout), so
   * no line is lost or repeated.
   */
  async *streamLogs(
    executionId: string,
    options: { follow?: boolean; since?: number; pollIntervalMs?: number } & RequestContext = {},
  ): AsyncGenerator<LogEvent> {
    const path = `/executions/${encodeURIComponent(executionId)}/logs`;
    const since = options.since !== undefined ? `&since=${options.since}` : '';
    if (!options.follow) {
      let after: string | undefined;
      for (;;) {
        const page = await this.call<{ events: LogEventJson[]; nextCursor: string | null }>(
          'GET',
          `${path}?limit=${PAGE}${after ? `&after=${encodeURIComponent(after)}` : since}`,
          { context: options },
        );
        for (const event of page.events) yield toLogEvent(event);
        if (!page.nextCursor || page.events.length < PAGE) return;
        after = page.nextCursor;
      }
    }
    let lastId: string | undefined;
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await this.fetch('GET', `${path}${since ? `?${since.slice(1)}` : ''}`, {
          context: options,
          headers: { accept: 'text/event-stream', ...(lastId ? { 'last-event-id': lastId } : {}) },
        });
      } catch (error) {
        if (options.signal?.aborted || attempt >= 30) throw error;
        await pause(Math.min(200 * 2 ** Math.min(attempt, 4), 3000), options.signal);
        continue;
      }
      if (response.status === 204) return;
      if (!response.ok) throw await errorOf(response);
      attempt = 0;
      try {
        for await (const message of parseSseStream(response.body, options.signal)) {
          if (message.event === 'end') return;
          if (message.event === 'log') {
            yield toLogEvent(JSON.parse(message.data) as LogEventJson);
            if (message.id) lastId = message.id;
          }
        }
      } catch (error) {
        if (options.signal?.aborted) throw error;
      }
      if (options.signal?.aborted) return;
      // The stream ended without `end`: the server went away mid-stream. Resume where we were.
      await pause(200, options.signal);
    }
  }

  async reconcileExecutions(context: RequestContext = {}): Promise<ReconcileResult> {
    return this.call<ReconcileResult>('POST', '/reconcile', { context });
  }

  async trace(requestId: string, context: RequestContext = {}): Promise<TraceResult> {
    const body = await this.call<{ requestId: string; logs: LogEventJson[]; executions: ExecutionJson[] }>(
      'GET',
      `/trace/${encodeURIComponent(requestId)}`,
      { context },
    );
    return {
      requestId: body.requestId,
      logs: body.logs.map(toLogEvent),
      executions: body.executions.map(toExecution),
    };
  }

  async registerImage(config: ImageConfig, context: RequestContext = {}): Promise<ImageInfo> {
    const { registeredBy: _who, ...body } = config;
    return toImageInfo(await this.call<ImageJson>('POST', '/images', { body, context }));
  }

  async listImages(context: RequestContext = {}): Promise<ImageInfo[]> {
    return (await this.call<{ images: ImageJson[] }>('GET', '/images', { context })).images.map(toImageInfo);
  }

  async getImage(ref: string, context: RequestContext = {}): Promise<ImageInfo> {
    return toImageInfo(await this.call<ImageJson>('GET', `/images/${encodeURIComponent(ref)}`, { context }));
  }

  async getDefaultImage(context: RequestContext = {}): Promise<ImageInfo | null> {
    const body = await this.call<{ image: ImageJson | null }>('GET', '/images/default', { context });
    return body.image ? toImageInfo(body.image) : null;
  }

  async removeImage(ref: string, context: RequestContext = {}): Promise<void> {
    await this.call('DELETE', `/images/${encodeURIComponent(ref)}`, { context });
  }

  async setDefaultImage(ref: string, context: RequestContext = {}): Promise<ImageInfo> {
    return toImageInfo(await this.call<ImageJson>('PUT', '/images/default', { body: { ref }, context }));
  }

  me() {
    return this.call<{ email: string; role: string; keyId: string; permissions: string[] }>(
      'GET',
      '/users/me',
    );
  }

  createUser(email: string, role: string) {
    return this.call<{ user: RemoteUser; keyId: string; apiKey: string }>('POST', '/users', {
      body: { email, role },
    });
  }

  async listUsers(): Promise<RemoteUser[]> {
    return (await this.call<{ users: RemoteUser[] }>('GET', '/users')).users;
  }

  revokeUser(email: string) {
    return this.call<RemoteUser>('DELETE', `/users/${encodeURIComponent(email)}`);
  }

  private async call<T>(
    method: string,
    path: string,
    options: { body?: unknown; context?: RequestContext } = {},
  ): Promise<T> {
    const response = await this.fetch(method, path, options);
    if (!response.ok) throw await errorOf(response);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  private async fetch(
    method: string,
    path: string,
    options: {
      body?: unknown;
      /** A body sent as it is produced (application/octet-stream), instead of JSON. */
      stream?: AsyncIterable<Uint8Array>;
      context?: RequestContext;
      headers?: Record<string, string>;
    },
  ): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.apiKey}`, ...options.headers };
    if (options.context?.requestId) headers['x-request-id'] = options.context.requestId;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.stream !== undefined) headers['content-type'] = 'application/octet-stream';
    const request = options.body as { idempotencyKey?: string } | undefined;
    if (path === '/run' && request?.idempotencyKey) headers['idempotency-key'] = request.idempotencyKey;
    try {
      return await fetch(`${this.url}/api/v1${path}`, {
        method,
        headers,
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
        // A streamed request body needs half-duplex: the response comes after the whole body.
        ...(options.stream !== undefined
          ? { body: ReadableStream.from(options.stream), duplex: 'half' as const }
          : {}),
        ...(options.context?.signal ? { signal: options.context.signal } : {}),
      });
    } catch (error) {
      if (options.context?.signal?.aborted) throw error;
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new UnavailableError(
        `cannot reach the taskport server at ${this.url} (${cause?.code ?? cause?.message ?? String(error)}); is it running? (taskport server)`,
        { cause: error },
      );
    }
  }
}

async function errorOf(response: Response): Promise<TaskportError> {
  let body: { error?: { code?: string; message?: string; details?: Record<string, unknown> } } = {};
  try {
    body = (await response.json()) as typeof body;
  } catch {
    // not our error body (a proxy's page)
  }
  const raw = body.error?.code ?? '';
  const code: TaskportErrorCode = CODES.has(raw as TaskportErrorCode)
    ? (raw as TaskportErrorCode)
    : raw === 'RATE_LIMITED' || response.status === 429 || response.status === 503
      ? 'UNAVAILABLE'
      : 'PROVIDER';
  const message = body.error?.message ?? `the server answered HTTP ${response.status}`;
  return new TaskportError(code, message, body.error?.details ? { details: body.error.details } : {});
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
