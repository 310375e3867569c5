import type { Api, ApiContext } from '../api/api-context.js';
import { COMMON_ERRORS, Health, Readiness, Reconcile, Trace } from '../api/schemas.js';
import { executionJson, logEventJson } from '../api/wire.js';

const CHECK_TIMEOUT_MS = 3000;

export function systemRoutes(app: Api, ctx: ApiContext): void {
  app.get(
    '/health',
    {
      config: { permission: 'public' },
      schema: {
        tags: ['system'],
        summary: 'Liveness: the process answers',
        security: [],
        response: { 200: Health },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/health/ready',
    {
      config: { permission: 'public' },
      schema: {
        tags: ['system'],
        summary: 'Readiness: the execution store, image registry and user store answer',
        security: [],
        response: { 200: Readiness, 503: Readiness },
      },
    },
    async (_request, reply) => {
      const service = ctx.service;
      const checks = {
        executionStore: await check(service.executionStore().provider, () =>
          service.executionStore().list({ limit: 1, signal: AbortSignal.timeout(CHECK_TIMEOUT_MS) }),
        ),
        imageRegistry: await check(service.imageRegistry().provider, () =>
          service.imageRegistry().getDefaultImage({ signal: AbortSignal.timeout(CHECK_TIMEOUT_MS) }),
        ),
        users: await check('users', () => ctx.users.ping()),
      };
      const ready = Object.values(checks).every((c) => c.ok) && !ctx.shutdown.aborted;
      reply.code(ready ? 200 : 503);
      return { status: ready ? ('ready' as const) : ('unready' as const), checks };
    },
  );

  app.post(
    '/reconcile',
    {
      config: { permission: 'reconcile' },
      schema: {
        tags: ['system'],
        summary: 'Bring every unfinished execution up to date with its provider',
        response: { 200: Reconcile, ...COMMON_ERRORS },
      },
    },
    async (request) => {
      const result = await ctx.service.reconcileExecutions({ requestId: request.id });
      return { requestId: result.requestId, checked: result.checked, changed: result.changed };
    },
  );

  app.get(
    '/trace/:requestId',
    {
      config: { permission: 'trace' },
      schema: {
        tags: ['system'],
        summary: "taskport's own log lines and the executions of a request id",
        params: {
          type: 'object',
          properties: { requestId: { type: 'string', minLength: 1, maxLength: 128 } },
          required: ['requestId'],
        },
        response: { 200: Trace, ...COMMON_ERRORS },
      },
    },
    async (request) => {
      const { requestId } = request.params as { requestId: string };
      const trace = await ctx.service.trace(requestId, { requestId: request.id });
      return {
        requestId: trace.requestId,
        logs: trace.logs.map(logEventJson),
        executions: trace.executions.map(executionJson),
      };
    },
  );
}

async function check(provider: string, probe: () => Promise<unknown>) {
  try {
    await probe();
    return { ok: true, provider };
  } catch (error) {
    // Provider text may be internal: say what failed, not the provider's words.
    const code =
      typeof error === 'object' && error && 'code' in error
        ? String((error as { code: unknown }).code)
        : 'ERROR';
    return { ok: false, provider, message: `check failed (${code})` };
  }
}
