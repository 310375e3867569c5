import { type Execution, isFinalStatus, type LogEvent } from '@taskport/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { type Api, type ApiContext, loadExecution } from '../api/api-context.js';
import { COMMON_ERRORS, ExecutionIdParams, LogsPage, LogsQuery } from '../api/schemas.js';
import { executionJson, logEventJson } from '../api/wire.js';
import { toHttpError } from '../http/http-error.js';
import { decodeLogCursor, type LogCursor, resumeAfter } from '../logs/log-cursor.js';
import { SseWriter } from '../logs/sse-writer.js';

/** SSE id of the closing event: a client reconnecting with it gets 204, which stops EventSource. */
const END_ID = 'end';

export function logRoutes(app: Api, ctx: ApiContext): void {
  app.get(
    '/executions/:id/logs',
    {
      config: { permission: 'executions:read' },
      schema: {
        tags: ['logs'],
        summary: 'Logs of an execution: a JSON page, or a live Server-Sent Events stream',
        description: `As JSON: a page of events after \`after\` (a cursor), at most \`limit\`; \`nextCursor\` is set while more may follow.
With \`Accept: text/event-stream\`: a live stream of \`event: log\` messages (data: a LogEvent; id: its cursor) that ends with \`event: end\` (data: the final Execution, id: \`end\`) once the execution is final and every line is out. Reconnect with \`Last-Event-ID\` (or \`?after=\`) to resume with no gap and no repeat; a reconnect after \`end\` gets 204. Comments (\`: ping\`) keep idle connections open.`,
        params: ExecutionIdParams,
        querystring: LogsQuery,
        produces: ['application/json', 'text/event-stream'],
        response: {
          200: {
            description: 'A page of events (JSON) or an event stream',
            content: {
              'application/json': { schema: LogsPage },
              'text/event-stream': { schema: { type: 'string' } },
            },
          },
          204: { description: 'SSE reconnect after the end event: nothing more will come', type: 'null' },
          ...COMMON_ERRORS,
        },
      },
    },
    async (request, reply) => {
      const id = request.params.id;
      const lastEventId = request.headers['last-event-id'];
      const sse = /\btext\/event-stream\b/.test(request.headers.accept ?? '');
      if (sse && lastEventId === END_ID) return reply.code(204).send(null);
      const after =
        sse && typeof lastEventId === 'string' && lastEventId !== ''
          ? decodeLogCursor(lastEventId, 'Last-Event-ID')
          : request.query.after
            ? decodeLogCursor(request.query.after)
            : undefined;
      const execution = await loadExecution(ctx, request, id);
      const since = after ? after.timestamp : request.query.since;
      if (sse) return streamSse(ctx, request, reply, execution, after, since);
      return readPage(ctx, request.id, execution, after, since, request.query.limit ?? 1000);
    },
  );

  app.get(
    '/executions/:id/logs/ws',
    {
      websocket: true,
      config: { permission: 'executions:read' },
      schema: {
        tags: ['logs'],
        summary: 'Logs of an execution over a WebSocket',
        description:
          'Messages are JSON: `{"type":"log","event":LogEvent}` then `{"type":"end","execution":Execution}`; the server closes with 1000 after the end, 1001 when it shuts down (resume with `?after=<cursor>`). Browsers pass the key as the subprotocols `taskport, key.<apiKey>`.',
        params: ExecutionIdParams,
        querystring: LogsQuery,
      },
    },
    async (
      socket: WebSocket,
      request: FastifyRequest<{ Params: { id: string }; Querystring: { after?: string; since?: number } }>,
    ) => {
      try {
        const after = request.query.after ? decodeLogCursor(request.query.after) : undefined;
        const execution = await loadExecution(ctx, request, request.params.id);
        await streamWebSocket(
          ctx,
          request,
          socket,
          execution,
          after,
          after?.timestamp ?? request.query.since,
        );
      } catch (error) {
        // Same body as HTTP errors; the close code is 4000 + the HTTP status (4403, 4404, 4500...).
        const { status, body } = toHttpError(error, request.id);
        if (socket.readyState === socket.OPEN) {
          socket.send(JSON.stringify({ type: 'error', ...body }));
          socket.close(4000 + status, body.error.code);
        }
      }
    },
  );
}

async function readPage(
  ctx: ApiContext,
  requestId: string,
  execution: Execution,
  after: LogCursor | undefined,
  since: number | undefined,
  limit: number,
) {
  const events: LogEvent[] = [];
  let more = false;
  const source = ctx.service.streamLogs(execution.executionId, {
    requestId,
    ...(since !== undefined ? { since } : {}),
  });
  for await (const event of resumeAfter(source, after)) {
    if (events.length === limit) {
      more = true;
      break;
    }
    events.push(event);
  }
  const last = events.at(-1);
  const mayGrow = more || !isFinalStatus(execution.status);
  const nextCursor = mayGrow
    ? last
      ? logEventJson(last).cursor
      : after
        ? `${after.timestamp}.${after.eventId}`
        : null
    : null;
  return {
    executionId: execution.executionId,
    status: execution.status,
    events: events.map(logEventJson),
    nextCursor,
  };
}

/** A following stream of the execution's log, ended by the execution's end, the client or shutdown. */
function follow(
  ctx: ApiContext,
  request: FastifyRequest,
  executionId: string,
  after: LogCursor | undefined,
  since: number | undefined,
  signal: AbortSignal,
) {
  return resumeAfter(
    ctx.service.streamLogs(executionId, {
      follow: true,
      signal,
      requestId: request.id,
      pollIntervalMs: ctx.followPollMs,
      ...(since !== undefined ? { since } : {}),
    }),
    after,
  );
}

async function streamSse(
  ctx: ApiContext,
  request: FastifyRequest,
  reply: FastifyReply,
  execution: Execution,
  after: LogCursor | undefined,
  since: number | undefined,
): Promise<void> {
  const controller = linkedController(ctx.shutdown);
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'x-request-id': request.id,
  });
  const writer = new SseWriter(res);
  res.once('close', () => controller.abort());
  ctx.metrics.streams.inc();
  const heartbeat = setInterval(() => void writer.comment('ping'), ctx.heartbeatMs);
  try {
    await writer.write('retry: 1000\n\n');
    for await (const event of follow(ctx, request, execution.executionId, after, since, controller.signal)) {
      const json = logEventJson(event);
      await writer.event({ id: json.cursor, event: 'log', data: JSON.stringify(json) });
      if (writer.isClosed) break;
    }
    if (!controller.signal.aborted && !writer.isClosed) {
      const final = await ctx.service.getExecutionStatus(execution.executionId, { requestId: request.id });
      ctx.metrics.seen(final);
      await writer.event({ id: END_ID, event: 'end', data: JSON.stringify(executionJson(final)) });
    }
  } catch (error) {
    if (!controller.signal.aborted) {
      const message = error instanceof Error ? error.message : String(error);
      ctx.logger.log({
        level: 'error',
        message: 'log stream failed',
        requestId: request.id,
        fields: { executionId: execution.executionId, error: message },
      });
      // No `id`: the client's Last-Event-ID stays at the last line it got, so a reconnect resumes there.
      await writer.event({
        event: 'error',
        data: JSON.stringify({
          error: {
            code: 'UNAVAILABLE',
            message: 'the log stream failed; reconnect to resume',
            requestId: request.id,
          },
        }),
      });
    }
  } finally {
    clearInterval(heartbeat);
    ctx.metrics.streams.dec();
    writer.end();
  }
}

async function streamWebSocket(
  ctx: ApiContext,
  request: FastifyRequest,
  socket: WebSocket,
  execution: Execution,
  after: LogCursor | undefined,
  since: number | undefined,
): Promise<void> {
  const controller = linkedController(ctx.shutdown);
  socket.once('close', () => controller.abort());
  ctx.metrics.streams.inc();
  try {
    for await (const event of follow(ctx, request, execution.executionId, after, since, controller.signal)) {
      if (socket.readyState !== socket.OPEN) break;
      socket.send(JSON.stringify({ type: 'log', event: logEventJson(event) }));
      // Back-pressure: let a slow client's buffer drain before reading more.
      while (socket.bufferedAmount > 1 << 20 && socket.readyState === socket.OPEN) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
    if (socket.readyState === socket.OPEN) {
      if (ctx.shutdown.aborted) {
        socket.close(1001, 'server shutting down; resume with ?after=<cursor>');
        return;
      }
      const final = await ctx.service.getExecutionStatus(execution.executionId, { requestId: request.id });
      ctx.metrics.seen(final);
      socket.send(JSON.stringify({ type: 'end', execution: executionJson(final) }));
      socket.close(1000, 'end');
    }
  } finally {
    ctx.metrics.streams.dec();
  }
}

/** Aborts on its own `abort()` or when the server shuts down (AbortSignal.any drops its listener with it). */
function linkedController(parent: AbortSignal): { signal: AbortSignal; abort(): void } {
  const own = new AbortController();
  return { signal: AbortSignal.any([parent, own.signal]), abort: () => own.abort() };
}
