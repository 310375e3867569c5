import fastifySwagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import fastifyWebsocket from '@fastify/websocket';
import { type BackendLogger, isValidRequestId, newRequestId, nullLogger } from '@taskport/core';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import type { Api, ApiContext, ApiService } from './api/api-context.js';
import { authenticate } from './auth/authenticate.js';
import type { UserStore } from './auth/user-store.js';
import { RateLimitedError, toHttpError } from './http/http-error.js';
import { DEFAULT_RATE_LIMIT, KeyRateLimiter, type RateLimit } from './http/key-rate-limiter.js';
import { ServerMetrics } from './http/server-metrics.js';
import { registerStaticAssets } from './http/static-assets.js';
import { executionRoutes } from './routes/execution-routes.js';
import { imageRoutes } from './routes/image-routes.js';
import { logRoutes } from './routes/log-routes.js';
import { stdinRoutes } from './routes/stdin-routes.js';
import { systemRoutes } from './routes/system-routes.js';
import { userRoutes } from './routes/user-routes.js';

export const API_PREFIX = '/api/v1';
export const API_VERSION = '1.0.0';

export interface CreateAppOptions {
  service: ApiService;
  users: UserStore;
  /** Where the server's own lines go (the Service's BackendLogger, so `trace` finds them). */
  logger?: BackendLogger;
  /** Per-key token bucket. @default 50/s, burst 200 */
  rateLimit?: RateLimit;
  /** A built web console to serve at `/` (deep links fall back to its index.html). */
  webRoot?: string;
  /** First poll interval of following log streams, ms. @default 100 */
  followPollMs?: number;
  /** SSE keep-alive comment interval, ms. @default 15000 */
  heartbeatMs?: number;
  /** Largest request body, bytes. @default 4 MiB */
  bodyLimit?: number;
}

export interface TaskportApp {
  app: Api;
  metrics: ServerMetrics;
  /** Ends every open log stream (clients resume from their Last-Event-ID elsewhere). */
  endStreams(): void;
}

/**
 * The HTTP API as a Fastify instance, not yet listening: routes under /api/v1 with their schemas, the
 * OpenAPI 3.1 document, authentication and roles, per-key rate limits, request ids, metrics, and
 * optionally the web console's static files.
 */
export async function createApp(options: CreateAppOptions): Promise<TaskportApp> {
  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimit ?? 4 * 1024 * 1024,
    // A client's X-Request-Id is kept when it is well-formed, else one is made; it reaches the Service.
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && isValidRequestId(given) ? given : newRequestId();
    },
    ajv: {
      customOptions: { coerceTypes: 'array', removeAdditional: false, useDefaults: true, allErrors: false },
    },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1024 },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  }).withTypeProvider<TypeBoxTypeProvider>();

  const shutdown = new AbortController();
  const metrics = new ServerMetrics();
  const limiter = new KeyRateLimiter(options.rateLimit ?? DEFAULT_RATE_LIMIT);
  const logger = options.logger ?? nullLogger;
  const ctx: ApiContext = {
    service: options.service,
    users: options.users,
    logger,
    metrics,
    shutdown: shutdown.signal,
    followPollMs: options.followPollMs ?? 100,
    heartbeatMs: options.heartbeatMs ?? 15_000,
  };

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'taskport API',
        version: API_VERSION,
        description:
          'Run one-off commands in containers on the compute you already have. Every route but health needs an API key (Authorization: Bearer <key> or X-API-Key). Errors are {"error":{"code","message","requestId"}}.',
      },
      servers: [{ url: '/' }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer tpk_...' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        },
      },
      security: [{ bearer: [] }, { apiKey: [] }],
    },
  });
  await app.register(fastifyWebsocket, {
    options: {
      maxPayload: 64 * 1024,
      handleProtocols: (protocols) => (protocols.has('taskport') ? 'taskport' : false),
    },
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    await authenticate(request, ctx.users, limiter);
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.latency.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
  app.setErrorHandler(async (error, request, reply) => sendError(error, request, reply, logger));

  await app.register(
    async (api) => {
      const typed = api as unknown as Api;
      systemRoutes(typed, ctx);
      executionRoutes(typed, ctx);
      stdinRoutes(typed, ctx);
      logRoutes(typed, ctx);
      imageRoutes(typed, ctx);
      userRoutes(typed, ctx);
      api.get('/openapi.json', { config: { permission: 'public' }, schema: { hide: true } }, async () =>
        app.swagger(),
      );
    },
    { prefix: API_PREFIX },
  );

  app.get(
    '/metrics',
    { config: { permission: 'metrics' }, schema: { hide: true } },
    async (_request, reply) => {
      reply.header('content-type', metrics.registry.contentType);
      return metrics.registry.metrics();
    },
  );

  const deepLink = options.webRoot
    ? await registerStaticAssets(app as unknown as Api, options.webRoot)
    : undefined;
  app.setNotFoundHandler(async (request, reply) => {
    if (deepLink && (await deepLink(request, reply))) return reply;
    const { status, body } = toHttpError(
      {
        statusCode: 404,
        message: `no route ${request.method} ${request.url.split('?')[0]}; see ${API_PREFIX}/openapi.json`,
      },
      request.id,
    );
    return reply.code(status).header('x-request-id', request.id).send(body);
  });

  app.addHook('preClose', async () => {
    shutdown.abort();
  });

  return { app: app as unknown as Api, metrics, endStreams: () => shutdown.abort() };
}

function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply, logger: BackendLogger) {
  const { status, body } = toHttpError(error, request.id);
  if (status >= 500) {
    logger.log({
      level: 'error',
      message: `${request.method} ${request.routeOptions.url ?? request.url} failed`,
      requestId: request.id,
      fields: { status, error: describe(error) },
    });
  }
  if (error instanceof RateLimitedError) reply.header('retry-after', String(error.retryAfterSeconds));
  if (status === 503) reply.header('retry-after', '5');
  if (status === 401) reply.header('www-authenticate', 'Bearer realm="taskport"');
  return reply.code(status).header('x-request-id', request.id).send(body);
}

function describe(error: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let current: unknown = error;
  for (let depth = 0; current && depth < 4; depth++) {
    const e = current as { name?: unknown; code?: unknown; message?: unknown; cause?: unknown };
    out[depth === 0 ? 'message' : `cause${depth}`] =
      `${String(e.name ?? 'Error')}: ${String(e.message ?? current)}`;
    if (depth === 0 && e.code !== undefined) out.code = String(e.code);
    current = e.cause;
  }
  return out;
}
