import {
  ConflictError,
  checkStopCapabilities,
  type Execution,
  type ExecutionRequest,
  type ExecutionStatus,
  isExecutionStatus,
  isFinalStatus,
  type StopSignal,
  ValidationError,
  validateStopOptions,
} from '@taskport/core';
import {
  type Api,
  type ApiContext,
  authorizeExecution,
  loadExecution,
  ownOnly,
  principalOf,
  sameUser,
} from '../api/api-context.js';
import {
  COMMON_ERRORS,
  ErrorBody,
  ExecutionIdParams,
  ExecutionPage,
  Execution as ExecutionSchema,
  KillQuery,
  KillResponse,
  ListExecutionsQuery,
  RunBody,
  RunResponse,
  WaitQuery,
  WaitResponse,
} from '../api/schemas.js';
import { executionJson } from '../api/wire.js';

/** Upper bound of store rows read to fill one filtered page (owner and label filters). */
const MAX_SCANNED = 5000;

export function executionRoutes(app: Api, ctx: ApiContext): void {
  app.post(
    '/run',
    {
      config: { permission: 'run' },
      schema: {
        tags: ['executions'],
        summary: 'Run a command',
        description:
          'Starts an execution and returns at once (202). With an `Idempotency-Key` header (or `idempotencyKey`), a retried request returns the first execution instead of starting another.',
        headers: {
          type: 'object',
          properties: { 'idempotency-key': { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } },
        },
        body: RunBody,
        response: { 202: RunResponse, ...COMMON_ERRORS, 409: ErrorBody, 502: ErrorBody, 503: ErrorBody },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const header = request.headers['idempotency-key'];
      const headerKey = typeof header === 'string' ? header : undefined;
      const body = request.body;
      if (headerKey && body.idempotencyKey && headerKey !== body.idempotencyKey) {
        throw new ValidationError(
          'the Idempotency-Key header and idempotencyKey in the body differ; send one',
          {
            details: { field: 'idempotencyKey' },
          },
        );
      }
      const idempotencyKey = headerKey ?? body.idempotencyKey;
      const runRequest: ExecutionRequest = {
        command: body.command,
        ...(body.image !== undefined ? { image: body.image } : {}),
        ...(body.env ? { env: body.env } : {}),
        ...(body.secrets ? { secrets: body.secrets } : {}),
        ...(body.timeoutSeconds !== undefined ? { timeoutSeconds: body.timeoutSeconds } : {}),
        ...(body.labels ? { labels: body.labels } : {}),
        ...(body.workingDir !== undefined ? { workingDir: body.workingDir } : {}),
        ...(body.interactive ? { interactive: true } : {}),
        ...(idempotencyKey ? { idempotencyKey } : {}),
      };
      const result = await ctx.service.runCommand(principal.email, runRequest, { requestId: request.id });
      if (result.reused && !sameUser(result.execution.createdBy, principal.email)) {
        // The Service scopes keys per user; should a store ever answer across users, never hand one
        // user's execution to another.
        throw new ConflictError('this idempotency key was used by another user; choose another key', {
          details: { field: 'idempotencyKey' },
        });
      }
      if (!result.reused) ctx.metrics.started(result.execution.executionId);
      reply
        .code(202)
        .header('location', `/api/v1/executions/${encodeURIComponent(result.execution.executionId)}`);
      return {
        execution: executionJson(result.execution),
        requestId: result.requestId,
        reused: result.reused,
      };
    },
  );

  app.get(
    '/executions',
    {
      config: { permission: 'executions:read' },
      schema: {
        tags: ['executions'],
        summary: 'List executions, newest first',
        description:
          'Cursor-paged. A developer sees only its own executions. `label` filters are applied by the server while paging, so a page may be shorter than `limit` with a `nextCursor` still set.',
        querystring: ListExecutionsQuery,
        response: { 200: ExecutionPage, ...COMMON_ERRORS },
      },
    },
    async (request) => {
      const { limit = 20, cursor, status, label } = request.query;
      const statuses = parseStatuses(status);
      const labels = parseLabels(label === undefined ? [] : Array.isArray(label) ? label : [label]);
      const owner = ownOnly(request, 'executions:read');
      const keep = (e: Execution) =>
        (owner === undefined || sameUser(e.createdBy, owner)) &&
        Object.entries(labels).every(([k, v]) => e.labels[k] === v);
      const filtered = owner !== undefined || Object.keys(labels).length > 0;
      const page = filtered
        ? await filteredPage(ctx, { limit, cursor, statuses }, keep, request.id)
        : await ctx.service.listExecutions(
            { limit, ...(cursor ? { cursor } : {}), ...(statuses.length > 0 ? { status: statuses } : {}) },
            { requestId: request.id },
          );
      for (const e of page.items) ctx.metrics.seen(e);
      return { executions: page.items.map(executionJson), nextCursor: page.nextCursor ?? null };
    },
  );

  app.get(
    '/executions/:id',
    {
      config: { permission: 'executions:read' },
      schema: {
        tags: ['executions'],
        summary: 'Status of an execution (brought up to date with its provider)',
        params: ExecutionIdParams,
        response: { 200: ExecutionSchema, ...COMMON_ERRORS },
      },
    },
    async (request) => {
      const execution = await loadExecution(ctx, request, request.params.id);
      ctx.metrics.seen(execution);
      return executionJson(execution);
    },
  );

  app.delete(
    '/executions/:id',
    {
      config: { permission: 'executions:kill' },
      schema: {
        tags: ['executions'],
        summary: 'Kill an execution',
        description: 'Idempotent: on a finished execution nothing is done and `alreadyFinished` is true.',
        params: ExecutionIdParams,
        querystring: KillQuery,
        response: { 200: KillResponse, ...COMMON_ERRORS, 409: ErrorBody, 502: ErrorBody, 503: ErrorBody },
      },
    },
    async (request) => {
      // Checked before the record is read: bad or unsupported stop options reach no provider.
      const stop = validateStopOptions({
        ...(request.query.signal !== undefined ? { stopSignal: request.query.signal as StopSignal } : {}),
        ...(request.query.gracePeriodSeconds !== undefined
          ? { gracePeriodSeconds: request.query.gracePeriodSeconds }
          : {}),
      });
      checkStopCapabilities(ctx.service.taskExecutor(), stop);
      // The owner rule is checked on the stored record before anything is stopped.
      const record = await ctx.service.executionStore().get(request.params.id);
      authorizeExecution(request, 'executions:kill', record);
      const result = await ctx.service.killExecution(request.params.id, { requestId: request.id }, stop);
      ctx.metrics.seen(result.execution);
      return {
        execution: executionJson(result.execution),
        requestId: result.requestId,
        alreadyFinished: result.alreadyFinished,
      };
    },
  );

  app.get(
    '/executions/:id/wait',
    {
      config: { permission: 'executions:read' },
      schema: {
        tags: ['executions'],
        summary: 'Wait for an execution to finish (long poll)',
        description:
          'Returns when the execution is final or after `timeoutSeconds` (then `done` is false: call again).',
        params: ExecutionIdParams,
        querystring: WaitQuery,
        response: { 200: WaitResponse, ...COMMON_ERRORS },
      },
    },
    async (request) => {
      const id = request.params.id;
      const deadline = Date.now() + (request.query.timeoutSeconds ?? 30) * 1000;
      let execution = await loadExecution(ctx, request, id);
      const closed = new AbortController();
      request.raw.once('close', () => closed.abort());
      for (let delay = 100; !isFinalStatus(execution.status) && Date.now() < deadline; ) {
        await sleep(Math.min(delay, Math.max(0, deadline - Date.now())), [closed.signal, ctx.shutdown]);
        if (closed.signal.aborted || ctx.shutdown.aborted) break;
        execution = await ctx.service.getExecutionStatus(id, { requestId: request.id });
        delay = Math.min(delay * 2, 1000);
      }
      ctx.metrics.seen(execution);
      return { execution: executionJson(execution), done: isFinalStatus(execution.status) };
    },
  );
}

/**
 * A page under filters the store does not know (owner, labels): read store pages of at most the rows
 * still missing, so every row taken is one the store's own cursor has passed - the cursor stays exact.
 */
async function filteredPage(
  ctx: ApiContext,
  query: { limit: number; cursor: string | undefined; statuses: ExecutionStatus[] },
  keep: (e: Execution) => boolean,
  requestId: string,
): Promise<{ items: Execution[]; nextCursor?: string }> {
  const items: Execution[] = [];
  let cursor = query.cursor;
  let scanned = 0;
  while (items.length < query.limit && scanned < MAX_SCANNED) {
    const page = await ctx.service.listExecutions(
      {
        limit: query.limit - items.length,
        ...(cursor ? { cursor } : {}),
        ...(query.statuses.length > 0 ? { status: query.statuses } : {}),
      },
      { requestId },
    );
    scanned += page.items.length;
    items.push(...page.items.filter(keep));
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  return { items, ...(cursor ? { nextCursor: cursor } : {}) };
}

function parseStatuses(text: string | undefined): ExecutionStatus[] {
  if (!text) return [];
  const out: ExecutionStatus[] = [];
  for (const raw of text.split(',')) {
    const status = raw.trim().toUpperCase();
    if (!isExecutionStatus(status)) {
      throw new ValidationError(
        `status "${raw}" is not a status; use STARTING, RUNNING, SUCCEEDED, FAILED, STOPPED or TERMINATING`,
        { details: { field: 'status' } },
      );
    }
    if (!out.includes(status)) out.push(status);
  }
  return out;
}

function parseLabels(items: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const at = item.indexOf('=');
    if (at <= 0) {
      throw new ValidationError(`label filter "${item}" must be key=value`, { details: { field: 'label' } });
    }
    out[item.slice(0, at)] = item.slice(at + 1);
  }
  return out;
}

export function sleep(ms: number, signals: AbortSignal[]): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      for (const s of signals) s.removeEventListener('abort', done);
      resolve();
    }
    for (const s of signals) s.addEventListener('abort', done, { once: true });
  });
}
