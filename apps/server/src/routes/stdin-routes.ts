import type { Readable } from 'node:stream';
import { UnavailableError, ValidationError } from '@taskport/core';
import { type Api, type ApiContext, authorizeExecution } from '../api/api-context.js';
import { COMMON_ERRORS, ErrorBody, ExecutionIdParams } from '../api/schemas.js';

const INPUT_TYPE = 'application/octet-stream';

/**
 * `POST /executions/:id/stdin`: the request body, streamed as it arrives, becomes the stdin of an
 * execution started with `interactive: true`; the end of the body is the end of input (EOF). The CLI's
 * `run -i --server` sends its own stdin here, as `docker run -i` does through the engine's API.
 *
 * The body is not read into memory: in this route's own scope, application/octet-stream is handed over
 * as the request stream (no body limit applies), and the other routes keep their JSON parser. Answers
 * 204 once the executor has taken all of it.
 */
export function stdinRoutes(app: Api, ctx: ApiContext): void {
  app.register(async (scope) => {
    scope.addContentTypeParser(INPUT_TYPE, (_request, payload, done) => done(null, payload));
    const typed = scope as unknown as Api;
    typed.post(
      '/executions/:id/stdin',
      {
        config: { permission: 'run' },
        schema: {
          tags: ['executions'],
          summary: "Send input to an execution's stdin",
          description:
            'The body (application/octet-stream, streamed; chunked transfer is fine) is copied byte for byte to the stdin of an execution started with `interactive: true`, then stdin is closed; an empty body is an empty input. Once per execution (409 after that, or when it has finished or was not started interactive); 400 where the executor takes no input. A developer may send input only to its own executions.',
          params: ExecutionIdParams,
          body: {
            content: {
              [INPUT_TYPE]: { schema: { description: 'the bytes for the task, any length' } },
            },
          },
          response: {
            204: {
              description: 'All of the input was handed to the task and its stdin closed',
              type: 'null',
            },
            ...COMMON_ERRORS,
            409: ErrorBody,
            415: ErrorBody,
            502: ErrorBody,
            503: ErrorBody,
          },
        },
      },
      async (request, reply) => {
        const input = inputOf(request.body, request.headers['content-type']);
        // The owner rule is checked on the stored record before anything reaches the executor.
        const record = await ctx.service.executionStore().get(request.params.id);
        authorizeExecution(request, 'run', record);
        try {
          // A shutdown ends the input (the task reads EOF) rather than waiting for a client that may never finish.
          await ctx.service.sendInput(request.params.id, input, {
            requestId: request.id,
            signal: ctx.shutdown,
          });
        } catch (error) {
          if (!ctx.shutdown.aborted) throw error;
          throw new UnavailableError(
            'the server is shutting down: the input ended here and the task read EOF; it runs on',
            { cause: error },
          );
        } finally {
          // Input cut short (the task ended, a shutdown): answer, then close the connection, since the rest
          // of the body will not be read.
          if (!request.raw.complete) reply.header('connection', 'close');
        }
        return reply.code(204).send(null);
      },
    );
  });
}

/** The request stream, or an empty input for a POST with no body; anything else is refused. */
function inputOf(body: unknown, contentType: string | undefined): AsyncIterable<Uint8Array> {
  if (body === undefined || body === null) return (async function* () {})();
  const stream = body as Readable;
  if (typeof stream[Symbol.asyncIterator] === 'function' && typeof stream.pipe === 'function') return stream;
  throw new ValidationError(`send the input as ${INPUT_TYPE}, not ${contentType ?? 'without a type'}`, {
    details: { field: 'content-type' },
  });
}
