import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { BackendLogger, Execution, OrchestratorService } from '@taskport/core';
import { ForbiddenError } from '@taskport/core';
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest, RawServerDefault } from 'fastify';
import type { Permission } from '../auth/roles.js';
import { scopeOf } from '../auth/roles.js';
import type { Principal, UserStore } from '../auth/user-store.js';
import type { ServerMetrics } from '../http/server-metrics.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What the route needs; `public` routes (health) need no key. */
    permission?: Permission | 'public';
  }
  interface FastifyRequest {
    /** The authenticated caller (set by the auth hook on every non-public route). */
    principal?: Principal;
  }
}

export type Api = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** The operations of the Service the API calls. */
export type ApiService = Pick<
  OrchestratorService,
  | 'runCommand'
  | 'killExecution'
  | 'sendInput'
  | 'getExecutionStatus'
  | 'listExecutions'
  | 'streamLogs'
  | 'reconcileExecutions'
  | 'trace'
  | 'registerImage'
  | 'listImages'
  | 'getImage'
  | 'getDefaultImage'
  | 'removeImage'
  | 'setDefaultImage'
  | 'executionStore'
  | 'imageRegistry'
  | 'taskExecutor'
  | 'logAggregator'
  | 'backendObservability'
>;

/** What the routes share. */
export interface ApiContext {
  service: ApiService;
  users: UserStore;
  logger: BackendLogger;
  metrics: ServerMetrics;
  /** Aborted when the server shuts down: every open log stream ends, clients resume elsewhere. */
  shutdown: AbortSignal;
  /** First poll interval of following streams, ms. */
  followPollMs: number;
  /** SSE comment interval that keeps idle connections open through proxies, ms. */
  heartbeatMs: number;
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error('route has no principal: it must not be public');
  return request.principal;
}

/** What an `own` scope lets a role do, as the refusal says it. */
const OWN_ACTION: Partial<Record<Permission, string>> = {
  'executions:kill': 'kill',
  run: 'send input to',
};

/**
 * The owner rule: with an `own` scope the caller may act only on executions it created. Checked here,
 * on the loaded record, rather than on URL patterns (the original's rule compared stored object ids with
 * request paths, so it never matched).
 * @throws ForbiddenError
 */
export function authorizeExecution(
  request: FastifyRequest,
  permission: Permission,
  execution: Execution,
): void {
  const principal = principalOf(request);
  const scope = scopeOf(principal.role, permission);
  if (scope === 'all') return;
  if (scope === 'own' && sameUser(execution.createdBy, principal.email)) return;
  throw new ForbiddenError(
    scope === 'own'
      ? `a ${principal.role} may only ${OWN_ACTION[permission] ?? 'see'} its own executions; ${execution.executionId} was started by someone else`
      : `role ${principal.role} may not ${permission}`,
  );
}

/**
 * The execution, up to date with its provider, if the caller may see it. With an `own` scope the stored
 * record is checked first, so nobody's execution is reconciled on behalf of a caller who may not see it.
 * @throws NotFoundError, ForbiddenError
 */
export async function loadExecution(
  ctx: ApiContext,
  request: FastifyRequest,
  executionId: string,
): Promise<Execution> {
  if (scopeOf(principalOf(request).role, 'executions:read') === 'own') {
    authorizeExecution(request, 'executions:read', await ctx.service.executionStore().get(executionId));
  }
  const execution = await ctx.service.getExecutionStatus(executionId, { requestId: request.id });
  authorizeExecution(request, 'executions:read', execution);
  return execution;
}

export function ownOnly(request: FastifyRequest, permission: Permission): string | undefined {
  const principal = principalOf(request);
  return scopeOf(principal.role, permission) === 'own' ? principal.email : undefined;
}

export function sameUser(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}
