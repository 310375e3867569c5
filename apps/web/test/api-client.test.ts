import { describe, expect, it } from 'vitest';
import { ApiClient } from '../src/lib/api/api-client.js';
import { ApiError } from '../src/lib/api/api-error.js';
import { followLogs, type LogStreamState } from '../src/lib/api/log-stream.js';
import type { LogEvent } from '../src/lib/api/types.js';
import { permissionsOf } from '../src/lib/auth/permissions.js';
import { matchRoute } from '../src/lib/routes.js';

type Handler = (url: string, init: RequestInit) => Response | Promise<Response>;

function client(handler: Handler, onUnauthorized?: (e: ApiError) => void) {
  const calls: { url: string; init: RequestInit }[] = [];
  const api = new ApiClient({
    baseUrl: 'http://server/api/v1',
    getKey: () => 'tpk_test',
    ...(onUnauthorized ? { onUnauthorized } : {}),
    fetch: (async (url: string, init: RequestInit) => {
      calls.push({ url, init });
      return handler(url, init);
    }) as typeof fetch,
  });
  return { api, calls };
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

describe('ApiClient', () => {
  it('sends the key as a Bearer header, never in the URL, and maps the query', async () => {
    const { api, calls } = client(() => json({ executions: [], nextCursor: null }));
    await api.listExecutions({
      status: ['RUNNING', 'FAILED'],
      labels: ['a=1', 'b=2'],
      cursor: 'c1',
      limit: 5,
    });
    const { url, init } = calls[0] as { url: string; init: RequestInit };
    expect(url).toBe(
      'http://server/api/v1/executions?status=RUNNING%2CFAILED&label=a%3D1&label=b%3D2&cursor=c1&limit=5',
    );
    expect(url).not.toContain('tpk_test');
    expect((init.headers as Record<string, string>).authorization).toBe('Bearer tpk_test');
  });

  it('turns an error body into an ApiError with the API message and request id', async () => {
    const { api } = client(() =>
      json({ error: { code: 'NOT_FOUND', message: 'execution x not found', requestId: 'req-1' } }, 404),
    );
    const error = await api.getExecution('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
      message: 'execution x not found',
      requestId: 'req-1',
    });
  });

  it('falls back to the status line and X-Request-Id when the body is not the API error shape', async () => {
    const { api } = client(
      () =>
        new Response('<html>bad gateway</html>', {
          status: 502,
          statusText: 'Bad Gateway',
          headers: { 'x-request-id': 'req-2' },
        }),
    );
    const error = (await api.listImages().catch((e: unknown) => e)) as ApiError;
    expect([error.code, error.message, error.requestId]).toEqual(['HTTP_502', 'Bad Gateway', 'req-2']);
  });

  it('reports a 401 once so the session ends, but not while a sign-in checks a new key', async () => {
    const seen: ApiError[] = [];
    const { api } = client(
      () =>
        json({ error: { code: 'UNAUTHORIZED', message: 'the API key was revoked', requestId: 'r' } }, 401),
      (e) => seen.push(e),
    );
    await api.listImages().catch(() => undefined);
    expect(seen.map((e) => e.message)).toEqual(['the API key was revoked']);
    await api.whoami('tpk_other').catch(() => undefined);
    expect(seen).toHaveLength(1);
  });

  it('says the server is unreachable when fetch itself fails', async () => {
    const { api } = client(() => {
      throw new TypeError('fetch failed');
    });
    const error = (await api.listImages().catch((e: unknown) => e)) as ApiError;
    expect([error.status, error.code]).toEqual([0, 'NETWORK']);
  });

  it('reads every page of a log for the download', async () => {
    const pages: Record<string, unknown> = {
      '': {
        executionId: 'x',
        status: 'SUCCEEDED',
        events: [{ message: 'a', eventId: '1', timestamp: 1 }],
        nextCursor: 'c1',
      },
      c1: {
        executionId: 'x',
        status: 'SUCCEEDED',
        events: [{ message: 'b', eventId: '2', timestamp: 2 }],
        nextCursor: null,
      },
    };
    const { api } = client((url) => json(pages[new URL(url).searchParams.get('after') ?? '']));
    const all: string[] = [];
    for await (const events of api.allLogs('x')) all.push(...events.map((e) => e.message));
    expect(all).toEqual(['a', 'b']);
  });
});

/** An SSE response whose body is the given chunks, then closes (as a cut connection does). */
function sse(chunks: string[]): Response {
  const encoder = new TextEncoder();
  return new Response(
    new ReadableStream({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
        controller.close();
      },
    }),
    { status: 200, headers: { 'content-type': 'text/event-stream' } },
  );
}

const logEvent = (n: number) =>
  `id: ${n}.e${n}\nevent: log\ndata: ${JSON.stringify({ timestamp: n, stream: 'stdout', message: `line ${n}`, eventId: `e${n}`, cursor: `${n}.e${n}` })}\n\n`;

describe('followLogs', () => {
  it('resumes after a cut with Last-Event-ID and stops at the end event', async () => {
    const lastEventIds: (string | undefined)[] = [];
    let stream = 0;
    const { api } = client((url, init) => {
      if (url.endsWith('/logs')) {
        const headers = init.headers as Record<string, string>;
        lastEventIds.push(headers['last-event-id']);
        stream++;
        if (stream === 1)
          return sse([
            logEvent(1),
            logEvent(2).slice(0, 20),
            logEvent(2).slice(20),
            'id: 3.e3\nevent: log\ndata: {"tru',
          ]);
        return sse([logEvent(3), 'id: end\nevent: end\ndata: {"executionId":"x","status":"SUCCEEDED"}\n\n']);
      }
      return json({ executionId: 'x', status: 'RUNNING' });
    });
    const received: LogEvent[] = [];
    const states: LogStreamState[] = [];
    let ended: unknown;
    await followLogs(
      api,
      'x',
      { onEvents: (e) => received.push(...e), onState: (s) => states.push(s), onEnd: (e) => (ended = e) },
      { signal: new AbortController().signal, backoff: [1, 5] },
    );
    expect(received.map((e) => e.message)).toEqual(['line 1', 'line 2', 'line 3']);
    expect(lastEventIds).toEqual([undefined, '2.e2']);
    expect(states).toEqual(['connecting', 'live', 'reconnecting', 'reconnecting', 'live', 'ended']);
    expect(ended).toMatchObject({ status: 'SUCCEEDED' });
  });

  it('ends without reconnecting when the stream closes and the execution is final (a 204 after end)', async () => {
    let streams = 0;
    const { api } = client((url) => {
      if (url.endsWith('/logs')) {
        streams++;
        return new Response(null, { status: 204 });
      }
      return json({ executionId: 'x', status: 'FAILED', exitCode: 3 });
    });
    await followLogs(api, 'x', { onEvents: () => undefined }, { signal: new AbortController().signal });
    expect(streams).toBe(1);
  });

  it('gives up on 403 and 404 and reports them', async () => {
    const { api } = client(() =>
      json({ error: { code: 'FORBIDDEN', message: 'not yours', requestId: 'r' } }, 403),
    );
    const fatal: ApiError[] = [];
    await followLogs(
      api,
      'x',
      { onEvents: () => undefined, onFatal: (e) => fatal.push(e) },
      { signal: new AbortController().signal },
    );
    expect(fatal.map((e) => e.code)).toEqual(['FORBIDDEN']);
  });

  it('retries a 503 with backoff, then goes on', async () => {
    let n = 0;
    const { api } = client((url) => {
      if (!url.endsWith('/logs')) return json({ executionId: 'x', status: 'RUNNING' });
      n++;
      if (n === 1) return json({ error: { code: 'UNAVAILABLE', message: 'busy', requestId: 'r' } }, 503);
      return sse([logEvent(1), 'id: end\nevent: end\ndata: {}\n\n']);
    });
    const received: LogEvent[] = [];
    await followLogs(
      api,
      'x',
      { onEvents: (e) => received.push(...e) },
      { signal: new AbortController().signal, backoff: [1, 5] },
    );
    expect(received).toHaveLength(1);
    expect(n).toBe(2);
  });
});

describe('permissionsOf', () => {
  it("reads the server's permission list, owner scope included", () => {
    const dev = permissionsOf({
      email: 'Dev@example.com',
      role: 'developer',
      permissions: ['self', 'run(own)', 'executions:read(own)', 'executions:kill(own)', 'images:read'],
    });
    expect([dev.run, dev.manageImages, dev.trace]).toEqual([true, false, false]);
    expect(dev.kill({ createdBy: 'dev@example.com' })).toBe(true);
    expect(dev.kill({ createdBy: 'someone@example.com' })).toBe(false);
    const viewer = permissionsOf({
      email: 'v@example.com',
      role: 'viewer',
      permissions: ['self', 'executions:read', 'images:read'],
    });
    expect([
      viewer.run,
      viewer.kill({ createdBy: 'v@example.com' }),
      viewer.manageImages,
      viewer.trace,
    ]).toEqual([false, false, false, false]);
  });

  it('falls back to the role table when the server sends no list', () => {
    const operator = permissionsOf({ email: 'o@example.com', role: 'operator' });
    expect([operator.run, operator.kill({ createdBy: 'x' }), operator.manageImages, operator.trace]).toEqual([
      true,
      true,
      true,
      true,
    ]);
  });
});

describe('matchRoute', () => {
  it('maps every deep link to its view', () => {
    expect(matchRoute('/')).toEqual({ name: 'executions' });
    expect(matchRoute('/executions/')).toEqual({ name: 'executions' });
    expect(matchRoute('/executions/loc-1%2Fa')).toEqual({ name: 'execution', id: 'loc-1/a' });
    expect(matchRoute('/trace/req-9')).toEqual({ name: 'trace', requestId: 'req-9' });
    expect(matchRoute('/images')).toEqual({ name: 'images' });
    expect(matchRoute('/run')).toEqual({ name: 'run' });
    expect(matchRoute('/nope')).toEqual({ name: 'not-found' });
  });
});
