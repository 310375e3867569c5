import type { Execution, ExecutionStatusUpdate } from '../domain/execution.js';
import type { ExecutionRequest, NormalisedExecutionRequest } from '../domain/execution-request.js';
import { canTransition, type ExecutionStatus, isFinalStatus } from '../domain/execution-status.js';
import { hostImage } from '../domain/host-image.js';
import { fromLegacyParams, type ImageConfig, type LegacyImageParams } from '../domain/image-config.js';
import type { ImageInfo } from '../domain/image-info.js';
import type { LogEvent } from '../domain/log-event.js';
import { executionRequestFingerprint } from '../domain/request-fingerprint.js';
import { type StopOptions, validateStopOptions } from '../domain/stop-options.js';
import type { TaskDescription } from '../domain/task-description.js';
import { validateExecutionRequest } from '../domain/validate-execution-request.js';
import {
  ConflictError,
  NotFoundError,
  TaskportError,
  UnsupportedOperationError,
  ValidationError,
} from '../errors/taskport-error.js';
import { nullLogger } from '../logging/json-lines-logger.js';
import type { BackendLogger } from '../ports/backend-logger.js';
import type { BackendObservability } from '../ports/backend-observability.js';
import type { ExecutionPage, ExecutionStore, ListExecutionsQuery } from '../ports/execution-store.js';
import type { ImageRegistry } from '../ports/image-registry.js';
import type { LogAggregator } from '../ports/log-aggregator.js';
import type { TaskExecutor } from '../ports/task-executor.js';
import { checkStartCapabilities, checkStopCapabilities } from './executor-capabilities.js';
import { foreignExecutorError } from './foreign-executor.js';
import { isValidRequestId, newRequestId } from './request-id.js';

/** Per-call context: the request id (generated when absent) and an abort signal. */
export interface RequestContext {
  requestId?: string;
  signal?: AbortSignal;
}

export interface OrchestratorPorts {
  taskExecutor: TaskExecutor;
  imageRegistry: ImageRegistry;
  logAggregator: LogAggregator;
  backendObservability: BackendObservability;
  executionStore: ExecutionStore;
  logger?: BackendLogger;
}

export interface OrchestratorServiceOptions {
  /**
   * How old (since `createdAt`) a non-final execution must be before the executor answering NotFound for
   * it counts as the task being lost (FAILED, RUNTIME_LOST). Shorter would misread a provider's
   * read-after-start lag as a loss; ECS forgets stopped tasks after about an hour, a deleted Job at once.
   * @default 30000
   */
  lostTaskGraceMs?: number;
}

export interface RunResult {
  execution: Execution;
  requestId: string;
  /** True when an execution with the same idempotency key already existed and was returned instead. */
  reused: boolean;
}

export interface KillResult {
  execution: Execution;
  requestId: string;
  /** True when the execution had already finished: nothing was done. */
  alreadyFinished: boolean;
}

export interface ReconcileResult {
  requestId: string;
  /** Unfinished executions looked at. */
  checked: number;
  /** Those whose status moved. */
  changed: { executionId: string; from: ExecutionStatus; to: ExecutionStatus }[];
}

export interface RemoveResult {
  /** The record as it was before it was removed. */
  execution: Execution;
  /** Whether its output was removed (false: the LogAggregator cannot remove output). */
  logs: boolean;
  /** Whether the executor's own record of the task was removed. */
  task: boolean;
}

export interface PruneResult {
  /** ISO 8601: executions created before this were removed. */
  before: string;
  /** The ids removed (or, in a dry run, that would be). */
  executions: string[];
  /** Backend log lines removed. */
  backendLines: number;
}

export interface TraceResult {
  requestId: string;
  /** The platform's own log lines for the request. */
  logs: LogEvent[];
  /** Executions the request created or last modified. */
  executions: Execution[];
}

/**
 * The operations users call, composed from the ports. It resolves images through the ImageRegistry and
 * hands the resolved ImageInfo to the TaskExecutor, so any executor can run an image registered in any
 * registry. Every operation carries a request id and writes structured lines with it.
 */
export class OrchestratorService {
  private readonly ports: OrchestratorPorts;
  private readonly logger: BackendLogger;
  private readonly lostTaskGraceMs: number;

  constructor(ports: OrchestratorPorts, options: OrchestratorServiceOptions = {}) {
    this.ports = ports;
    this.logger = ports.logger ?? nullLogger;
    this.lostTaskGraceMs = options.lostTaskGraceMs ?? 30_000;
  }

  taskExecutor(): TaskExecutor {
    return this.ports.taskExecutor;
  }
  imageRegistry(): ImageRegistry {
    return this.ports.imageRegistry;
  }
  logAggregator(): LogAggregator {
    return this.ports.logAggregator;
  }
  backendObservability(): BackendObservability {
    return this.ports.backendObservability;
  }
  executionStore(): ExecutionStore {
    return this.ports.executionStore;
  }
  /** Where the Service writes its structured lines (close it on shutdown to ship what is buffered). */
  backendLogger(): BackendLogger {
    return this.logger;
  }

  /**
   * Runs a command: validate, resolve the image, start it, record it. Idempotency keys are scoped per
   * user and stand for one request: the same key with the same request (command, image, env names,
   * labels, timeout) returns the first execution and starts nothing; the same key with a different
   * request is a ConflictError that says so.
   * @throws ValidationError for a bad request or when no image is given and there is no default
   * @throws ConflictError when this user already used the idempotency key for a different request
   */
  async runCommand(
    userEmail: string,
    request: ExecutionRequest,
    context: RequestContext = {},
  ): Promise<RunResult> {
    return this.operation('runCommand', context, {}, async (requestId, signal) => {
      if (typeof userEmail !== 'string' || userEmail.trim() === '') {
        throw new ValidationError('userEmail is required: say who runs the command', {
          details: { field: 'userEmail' },
        });
      }
      const valid = validateExecutionRequest(request);
      checkStartCapabilities(this.ports.taskExecutor, valid);
      const user = userEmail.trim();
      const fingerprint = valid.idempotencyKey ? executionRequestFingerprint(valid) : undefined;
      // The image lookup does not depend on the key lookup: start it now, so that a start with a key
      // waits for one round trip, not two. Its failure is reported below, or moot when the key was seen.
      const imageLookup = this.resolveImage(valid.image, signal);
      imageLookup.catch(() => undefined);
      if (valid.idempotencyKey) {
        const existing = await this.ports.executionStore.findByIdempotencyKey(user, valid.idempotencyKey, {
          signal,
        });
        if (existing) return this.reuse(existing, valid, fingerprint, requestId);
      }
      const image = await imageLookup;
      const executor = this.ports.taskExecutor;
      const started = await executor.startTask(
        userEmail,
        {
          command: valid.command,
          image,
          env: valid.env,
          secrets: valid.secrets,
          ...(valid.timeoutSeconds !== undefined ? { timeoutSeconds: valid.timeoutSeconds } : {}),
          labels: valid.labels,
          ...(valid.idempotencyKey ? { idempotencyKey: valid.idempotencyKey } : {}),
          ...(valid.workingDir !== undefined ? { workingDir: valid.workingDir } : {}),
          ...(valid.interactive ? { interactive: true } : {}),
          requestId,
        },
        { signal },
      );
      const execution: Execution = {
        executionId: started.executionId,
        status: 'STARTING',
        command: valid.command,
        imageId: image.imageId,
        image: image.image,
        createdBy: user,
        executor: executor.provider,
        createdAt: started.createdAt ?? new Date().toISOString(),
        exitCode: null,
        requestId,
        labels: valid.labels,
        envKeys: [...Object.keys(valid.env), ...Object.keys(valid.secrets)],
        env: valid.env,
        ...(valid.timeoutSeconds !== undefined ? { timeoutSeconds: valid.timeoutSeconds } : {}),
        ...(valid.workingDir !== undefined ? { workingDir: valid.workingDir } : {}),
        ...(valid.idempotencyKey ? { idempotencyKey: valid.idempotencyKey } : {}),
        ...(fingerprint ? { requestFingerprint: fingerprint } : {}),
      };
      try {
        await this.ports.executionStore.create(execution, { signal });
      } catch (error) {
        // A concurrent run with the same idempotency key got the same task from the provider and
        // recorded it first: that task is ours too, so return it rather than stopping it.
        if (ConflictError.isInstance(error) && valid.idempotencyKey) {
          const winner = await this.ports.executionStore.findByIdempotencyKey(user, valid.idempotencyKey, {
            signal,
          });
          if (winner?.executionId === execution.executionId) {
            this.log(
              'info',
              requestId,
              'a concurrent run with the same idempotency key recorded the task first',
              {
                executionId: winner.executionId,
              },
            );
            return { execution: winner, requestId, reused: true };
          }
          if (winner) {
            // A concurrent run with the same key recorded another task first: ours is redundant.
            this.log('warn', requestId, 'a concurrent run with the same idempotency key won; stopping ours', {
              executionId: execution.executionId,
              winner: winner.executionId,
            });
            await executor.killTask(execution.executionId).catch(() => undefined);
            return this.reuse(winner, valid, fingerprint, requestId);
          }
        }
        // A task with no record is an orphan nobody can see or kill: stop it before reporting.
        this.log('error', requestId, 'recording the execution failed; stopping the task', {
          executionId: execution.executionId,
          error: describeError(error),
        });
        await executor.killTask(execution.executionId).catch(() => undefined);
        throw error;
      }
      this.log('info', requestId, 'execution started', {
        executionId: execution.executionId,
        imageId: image.imageId,
        executor: executor.provider,
      });
      return { execution, requestId, reused: false };
    });
  }

  /** The first execution of an idempotency key, when the request is the same; ConflictError otherwise. */
  private reuse(
    existing: Execution,
    request: NormalisedExecutionRequest,
    fingerprint: string | undefined,
    requestId: string,
  ): RunResult {
    // Records written before fingerprints existed cannot be told apart: they count as the same request.
    if (existing.requestFingerprint === undefined || existing.requestFingerprint === fingerprint) {
      this.log('info', requestId, 'idempotency key seen before; returning the existing execution', {
        executionId: existing.executionId,
      });
      return { execution: existing, requestId, reused: true };
    }
    const differs = requestDifferences(existing, request);
    throw new ConflictError(
      `idempotency key "${request.idempotencyKey}" was already used by ${existing.createdBy} for a different request (execution ${existing.executionId}; ${differs.join(', ')} differ${differs.length === 1 ? 's' : ''}); a retry must repeat the request exactly, and a new request needs a new key`,
      {
        details: {
          field: 'idempotencyKey',
          existingExecutionId: existing.executionId,
          differs,
        },
      },
    );
  }

  /**
   * The full id of an execution given its id or a unique prefix of it (as git and docker take them).
   * @throws NotFoundError when no execution id starts with `ref`
   * @throws ValidationError when several do; the message lists them
   */
  async resolveExecutionId(ref: string, context: RequestContext = {}): Promise<string> {
    return this.operation('resolveExecutionId', context, { ref }, async (_requestId, signal) => {
      const id = requiredId(ref).trim();
      try {
        return (await this.ports.executionStore.get(id, { signal })).executionId;
      } catch (error) {
        if (!TaskportError.hasCode(error, 'NOT_FOUND')) throw error;
        const page = await this.ports.executionStore.list({ idPrefix: id, limit: 11, signal });
        const ids = page.items.map((e) => e.executionId).filter((e) => e.startsWith(id));
        if (ids.length === 1) return ids[0] as string;
        if (ids.length === 0) throw error;
        const more = page.nextCursor || ids.length > 10 ? ', ...' : '';
        throw new ValidationError(
          `execution id prefix "${id}" is ambiguous: it matches ${ids.slice(0, 10).join(', ')}${more}; give more of the id`,
          { details: { field: 'executionId', candidates: ids.slice(0, 10) } },
        );
      }
    });
  }

  /**
   * Kills an execution. Idempotent: on a finished execution it does nothing and says so. `stop` chooses
   * the first signal and the grace period before SIGKILL, where the executor can (checked first).
   * @throws NotFoundError for an unknown execution
   * @throws ValidationError for stop options that are bad or that the executor cannot honour
   */
  async killExecution(
    executionId: string,
    context: RequestContext = {},
    stop: StopOptions = {},
  ): Promise<KillResult> {
    return this.operation('killExecution', context, { executionId }, async (requestId, signal) => {
      const stopOptions = validateStopOptions(stop);
      checkStopCapabilities(this.ports.taskExecutor, stopOptions);
      const record = await this.ports.executionStore.get(requiredId(executionId), { signal });
      if (isFinalStatus(record.status)) {
        return { execution: record, requestId, alreadyFinished: true };
      }
      if (record.executor !== this.ports.taskExecutor.provider) {
        throw foreignExecutorError(record, this.ports.taskExecutor.provider);
      }
      try {
        await this.ports.taskExecutor.killTask(executionId, { ...stopOptions, signal });
      } catch (error) {
        if (!ConflictError.isInstance(error)) throw error;
        // It finished between our read and the kill: record how it ended instead.
        const execution = await this.reconcile(record, requestId, signal);
        return { execution, requestId, alreadyFinished: true };
      }
      const execution = await this.moveStatus(record, { status: 'TERMINATING', requestId }, signal);
      return { execution, requestId, alreadyFinished: false };
    });
  }

  /**
   * Sends input to the stdin of an execution started with `interactive: true`, then closes it (EOF), as
   * `docker run -i` does with the terminal's stdin. Resolves once the input was handed over, or the task
   * stopped reading.
   * @throws NotFoundError for an unknown execution
   * @throws ConflictError when it has finished, was not started interactive, or already had its input
   * @throws ValidationError when the executor cannot pass input (checked before any provider call)
   */
  async sendInput(
    executionId: string,
    input: AsyncIterable<Uint8Array>,
    context: RequestContext = {},
  ): Promise<void> {
    return this.operation('sendInput', context, { executionId }, async (_requestId, signal) => {
      const executor = this.ports.taskExecutor;
      checkStartCapabilities(executor, { interactive: true });
      const record = await this.ports.executionStore.get(requiredId(executionId), { signal });
      if (record.executor !== executor.provider) throw foreignExecutorError(record, executor.provider);
      if (isFinalStatus(record.status)) {
        throw new ConflictError(
          `execution ${executionId} has already finished (${record.status}); it reads no input`,
          {
            details: { executionId, status: record.status },
          },
        );
      }
      if (!executor.attachStdin) {
        throw new UnsupportedOperationError(
          `the ${executor.provider} executor says it takes stdin but has no attachStdin`,
          { provider: executor.provider, operation: 'TaskExecutor.attachStdin' },
        );
      }
      await executor.attachStdin(executionId, input, { signal });
    });
  }

  /**
   * The execution record, brought up to date with what the provider says (the provider is the truth for
   * a task that is not final yet; the store converges to it with a conditional update).
   * @throws NotFoundError for an unknown execution
   */
  async getExecutionStatus(executionId: string, context: RequestContext = {}): Promise<Execution> {
    return this.operation('getExecutionStatus', context, { executionId }, async (requestId, signal) => {
      const record = await this.ports.executionStore.get(requiredId(executionId), { signal });
      return this.reconcile(record, requestId, signal);
    });
  }

  /**
   * A page of executions, newest first, showing provider truth: the page's non-final rows of this
   * deployment's executor are read in one batch (`describeTasks`, else `describeTask` per row) and
   * converged before they are returned; a page whose rows are all final costs no provider call. Rows
   * that moved out of the `status` filter are left out of the page (its cursor is unchanged).
   */
  async listExecutions(
    query: Omit<ListExecutionsQuery, 'signal'> = {},
    context: RequestContext = {},
  ): Promise<ExecutionPage> {
    return this.operation('listExecutions', context, {}, async (requestId, signal) => {
      const page = await this.ports.executionStore.list({ ...query, signal });
      const executor = this.ports.taskExecutor;
      const open = page.items.filter((e) => !isFinalStatus(e.status) && e.executor === executor.provider);
      if (open.length === 0) return page;
      const truths = await this.describeMany(
        open.map((e) => e.executionId),
        requestId,
        signal,
      );
      const items: Execution[] = [];
      for (const record of page.items) {
        const truth = truths.get(record.executionId);
        const current = truth ? await this.converge(record, truth, requestId, signal) : record;
        if (query.status && query.status.length > 0 && !query.status.includes(current.status)) continue;
        items.push(current);
      }
      return { ...page, items };
    });
  }

  /**
   * All log events of an execution so far (`[]` when there are none).
   * @throws NotFoundError for an unknown execution
   */
  async getLogs(
    executionId: string,
    context: RequestContext = {},
  ): Promise<{ execution: Execution; events: LogEvent[] }> {
    return this.operation('getLogs', context, { executionId }, async (requestId, signal) => {
      const record = await this.ports.executionStore.get(requiredId(executionId), { signal });
      const execution = await this.reconcile(record, requestId, signal);
      const events = await this.ports.logAggregator.fetchLogsByExecutionId(executionId, { signal });
      return { execution, events };
    });
  }

  /**
   * Streams the logs of an execution in bounded memory. With `follow`, ends when the execution has ended
   * (as the TaskExecutor reports it) and every line is out.
   * @throws NotFoundError for an unknown execution (before the first event)
   */
  async *streamLogs(
    executionId: string,
    options: { follow?: boolean; since?: number; pollIntervalMs?: number } & RequestContext = {},
  ): AsyncGenerator<LogEvent> {
    const requestId = this.requestIdOf(options);
    const { signal } = options;
    const record = await this.ports.executionStore.get(requiredId(executionId), { signal });
    // Following needs the executor that runs the task to say when it ends.
    if (
      options.follow &&
      !isFinalStatus(record.status) &&
      record.executor !== this.ports.taskExecutor.provider
    ) {
      throw foreignExecutorError(record, this.ports.taskExecutor.provider);
    }
    this.log('info', requestId, 'streaming logs', {
      operation: 'streamLogs',
      executionId,
      follow: !!options.follow,
    });
    yield* this.ports.logAggregator.streamLogs(executionId, {
      ...(options.follow !== undefined ? { follow: options.follow } : {}),
      ...(options.since !== undefined ? { since: options.since } : {}),
      ...(options.pollIntervalMs !== undefined ? { pollIntervalMs: options.pollIntervalMs } : {}),
      ...(signal ? { signal } : {}),
      isTaskDone: async () => {
        const record = await this.ports.executionStore.get(executionId, { signal });
        return isFinalStatus((await this.reconcile(record, requestId, signal)).status);
      },
    });
  }

  /**
   * Brings every unfinished execution up to date with its provider: records that missed their final
   * event converge, and executors that enforce deadlines on read (AWS) stop overdue tasks. Run it on a
   * schedule where no long-lived process watches tasks (`taskport reconcile` from cron).
   */
  async reconcileExecutions(context: RequestContext = {}): Promise<ReconcileResult> {
    return this.operation('reconcileExecutions', context, {}, async (requestId, signal) => {
      const result: ReconcileResult = { requestId, checked: 0, changed: [] };
      let cursor: string | undefined;
      do {
        const page = await this.ports.executionStore.list({
          status: ['STARTING', 'RUNNING', 'TERMINATING'],
          limit: 100,
          ...(cursor ? { cursor } : {}),
          signal,
        });
        for (const record of page.items) {
          result.checked += 1;
          const updated = await this.reconcile(record, requestId, signal);
          if (updated.status !== record.status) {
            result.changed.push({ executionId: record.executionId, from: record.status, to: updated.status });
          }
        }
        cursor = page.nextCursor;
      } while (cursor);
      return result;
    });
  }

  /**
   * Removes a finished execution: its output, the executor's task record and the execution record, each
   * where the provider supports removal.
   * @throws NotFoundError for an unknown execution
   * @throws ConflictError when it has not finished (kill it or wait for it first)
   * @throws UnsupportedOperationError when the ExecutionStore cannot remove records
   */
  async removeExecution(executionId: string, context: RequestContext = {}): Promise<RemoveResult> {
    return this.operation('removeExecution', context, { executionId }, async (requestId, signal) => {
      const record = await this.reconcile(
        await this.ports.executionStore.get(requiredId(executionId), { signal }),
        requestId,
        signal,
      );
      if (!isFinalStatus(record.status)) {
        throw new ConflictError(
          `execution ${executionId} is ${record.status}; stop it first (taskport kill ${executionId}) or wait for it`,
          { details: { executionId, status: record.status } },
        );
      }
      return this.remove(record, signal);
    });
  }

  /**
   * Retention: removes every finished execution created before `before` (Unix ms), with its output, and
   * the backend lines older than that.
   */
  async pruneExecutions(
    { before, dryRun = false }: { before: number; dryRun?: boolean },
    context: RequestContext = {},
  ): Promise<PruneResult> {
    return this.operation('pruneExecutions', context, { before }, async (_requestId, signal) => {
      const store = this.ports.executionStore;
      if (!dryRun && !store.delete) {
        // Said before anything is read: nothing could be removed.
        throw new UnsupportedOperationError(
          `the ${store.provider} execution store cannot remove records; remove them with the provider's own tools`,
          { provider: store.provider, operation: 'ExecutionStore.delete' },
        );
      }
      const result: PruneResult = { before: new Date(before).toISOString(), executions: [], backendLines: 0 };
      const old: Execution[] = [];
      let cursor: string | undefined;
      do {
        const page = await this.ports.executionStore.list({
          status: ['SUCCEEDED', 'FAILED', 'STOPPED'],
          limit: 500,
          ...(cursor ? { cursor } : {}),
          signal,
        });
        for (const record of page.items) if (Date.parse(record.createdAt) < before) old.push(record);
        cursor = page.nextCursor;
      } while (cursor);
      for (const record of old) {
        if (!dryRun) await this.remove(record, signal);
        result.executions.push(record.executionId);
      }
      const observability = this.ports.backendObservability;
      if (!dryRun && observability.deleteLogsBefore) {
        result.backendLines = await observability.deleteLogsBefore(before, { signal });
      }
      return result;
    });
  }

  private async remove(record: Execution, signal: AbortSignal | undefined): Promise<RemoveResult> {
    const store = this.ports.executionStore;
    if (!store.delete) {
      throw new UnsupportedOperationError(
        `the ${store.provider} execution store cannot remove records; remove them with the provider's own tools`,
        { provider: store.provider, operation: 'ExecutionStore.delete' },
      );
    }
    const logs = this.ports.logAggregator;
    const executor = this.ports.taskExecutor;
    const removed = { logs: false, task: false };
    if (logs.deleteLogs) {
      await logs.deleteLogs(record.executionId, { signal });
      removed.logs = true;
    }
    if (executor.forgetTask && record.executor === executor.provider) {
      await executor.forgetTask(record.executionId, { signal });
      removed.task = true;
    }
    await store.delete(record.executionId, { signal });
    return { execution: record, ...removed };
  }

  /** The platform's log lines for a request id and the executions it created or changed. */
  async trace(traceRequestId: string, context: RequestContext = {}): Promise<TraceResult> {
    return this.operation('trace', context, { traceRequestId }, async (_requestId, signal) => {
      if (typeof traceRequestId !== 'string' || traceRequestId.trim() === '') {
        throw new ValidationError('a request id is required to trace', { details: { field: 'requestId' } });
      }
      const [logs, executions] = await Promise.all([
        this.ports.backendObservability.fetchBackendLogs(traceRequestId, { signal }),
        this.ports.executionStore.listByRequestId(traceRequestId, { signal }),
      ]);
      return { requestId: traceRequestId, logs, executions };
    });
  }

  async registerImage(config: ImageConfig, context: RequestContext = {}): Promise<ImageInfo> {
    return this.operation('registerImage', context, { image: config?.image }, async (requestId, signal) => {
      const info = await this.ports.imageRegistry.registerImage(config, { requestId, signal });
      this.log('info', requestId, 'image registered', { imageId: info.imageId, isDefault: info.isDefault });
      return info;
    });
  }

  /** @deprecated The original positional form; converted with `fromLegacyParams`. */
  async registerImageLegacy(
    image: string,
    isDefault: boolean | undefined,
    taskRoleName: string | undefined,
    taskExecutionRoleName: string | undefined,
    cpu: number | undefined,
    memory: number | undefined,
    runtimePlatform: string | undefined,
    createdBy: string,
    context: RequestContext = {},
  ): Promise<ImageInfo> {
    const params: LegacyImageParams = {
      image,
      isDefault,
      taskRoleName,
      taskExecutionRoleName,
      cpu,
      memory,
      runtimePlatform,
      createdBy,
    };
    return this.registerImage(fromLegacyParams(params), context);
  }

  async listImages(context: RequestContext = {}): Promise<ImageInfo[]> {
    return this.operation('listImages', context, {}, (_r, signal) =>
      this.ports.imageRegistry.listImages({ signal }),
    );
  }

  async getImage(ref: string, context: RequestContext = {}): Promise<ImageInfo> {
    return this.operation('getImage', context, { ref }, (_r, signal) =>
      this.ports.imageRegistry.getImage(ref, { signal }),
    );
  }

  async getDefaultImage(context: RequestContext = {}): Promise<ImageInfo | null> {
    return this.operation('getDefaultImage', context, {}, (_r, signal) =>
      this.ports.imageRegistry.getDefaultImage({ signal }),
    );
  }

  async removeImage(ref: string, context: RequestContext = {}): Promise<void> {
    return this.operation('removeImage', context, { ref }, (_r, signal) =>
      this.ports.imageRegistry.removeImage(ref, { signal }),
    );
  }

  async setDefaultImage(ref: string, context: RequestContext = {}): Promise<ImageInfo> {
    return this.operation('setDefaultImage', context, { ref }, (_r, signal) =>
      this.ports.imageRegistry.setDefaultImage(ref, { signal }),
    );
  }

  private async resolveImage(ref: string, signal: AbortSignal | undefined): Promise<ImageInfo> {
    // A run never reads `isDefault`, so the registry may skip the read that computes it.
    if (ref !== '') return this.ports.imageRegistry.getImage(ref, { signal, withDefaultFlag: false });
    const fallback = await this.ports.imageRegistry.getDefaultImage({ signal });
    // An executor that runs commands on the host needs no image: `taskport run -- echo hi` works on a
    // fresh install. Executors that pull images still require one.
    if (!fallback && !this.ports.taskExecutor.capabilities.runsImages) return hostImage();
    if (!fallback) {
      throw new ValidationError(
        'no image given and no default image is registered; pass an image or register one with `taskport images register <image> --default`',
        { details: { field: 'image' } },
      );
    }
    return fallback;
  }

  /** Brings a non-final record up to date with the executor's view of the task. */
  private async reconcile(
    record: Execution,
    requestId: string,
    signal: AbortSignal | undefined,
  ): Promise<Execution> {
    if (isFinalStatus(record.status) || record.executor !== this.ports.taskExecutor.provider) return record;
    let truth: TaskDescription;
    try {
      truth = await this.ports.taskExecutor.describeTask(record.executionId, { signal });
    } catch (error) {
      if (NotFoundError.isInstance(error) && this.isPastLostGrace(record)) {
        // The provider forgot the task (ECS drops stopped tasks after about an hour; a deleted Job is
        // gone): nobody can say how it ended any more, and waiting for it would never end.
        this.log('warn', requestId, 'the executor no longer knows the task; recording it as lost', {
          executionId: record.executionId,
          error: describeError(error),
        });
        return this.moveStatus(
          record,
          {
            status: 'FAILED',
            exitCode: null,
            stopCode: 'RUNTIME_LOST',
            reason: `the ${record.executor} executor no longer knows this task (it answered NotFound${record.status === 'TERMINATING' ? ' after a kill was requested' : ''}); how it ended and its exit code are unknown`,
            completedAt: new Date().toISOString(),
            requestId,
          },
          signal,
        );
      }
      this.log('warn', requestId, 'could not read the task from the provider; returning the stored record', {
        executionId: record.executionId,
        error: describeError(error),
      });
      return record;
    }
    return this.converge(record, truth, requestId, signal);
  }

  /** Provider truth for many tasks; a failed read is logged and leaves those rows as stored. */
  private async describeMany(
    ids: string[],
    requestId: string,
    signal: AbortSignal | undefined,
  ): Promise<Map<string, TaskDescription>> {
    const executor = this.ports.taskExecutor;
    try {
      if (executor.describeTasks) return await executor.describeTasks(ids, { signal });
      const out = new Map<string, TaskDescription>();
      for (const id of ids) {
        try {
          out.set(id, await executor.describeTask(id, { signal }));
        } catch (error) {
          if (!TaskportError.hasCode(error, 'NOT_FOUND')) throw error;
        }
      }
      return out;
    } catch (error) {
      this.log('warn', requestId, 'could not read the tasks from the provider; listing the stored records', {
        executionIds: ids,
        error: describeError(error),
      });
      return new Map();
    }
  }

  /** Moves a record to what the provider says, when that is a legal move. */
  private async converge(
    record: Execution,
    truth: TaskDescription,
    requestId: string,
    signal: AbortSignal | undefined,
  ): Promise<Execution> {
    if (isFinalStatus(record.status) || !canTransition(record.status, truth.status)) return record;
    return this.moveStatus(
      record,
      {
        status: truth.status,
        exitCode: truth.exitCode,
        ...(truth.stopCode ? { stopCode: truth.stopCode } : {}),
        ...(truth.reason ? { reason: truth.reason } : {}),
        ...(truth.startedAt ? { startedAt: truth.startedAt } : {}),
        ...(truth.stoppedAt ? { completedAt: truth.stoppedAt } : {}),
        requestId,
      },
      signal,
    );
  }

  private isPastLostGrace(record: Execution): boolean {
    const created = Date.parse(record.createdAt);
    return !Number.isFinite(created) || Date.now() - created >= this.lostTaskGraceMs;
  }

  /** Conditional status move; when another writer got there first, returns what it wrote. */
  private async moveStatus(
    record: Execution,
    update: ExecutionStatusUpdate & { requestId: string },
    signal: AbortSignal | undefined,
  ): Promise<Execution> {
    try {
      const updated = await this.ports.executionStore.updateStatus(record.executionId, update, { signal });
      this.log('info', update.requestId, `execution ${record.status} -> ${update.status}`, {
        executionId: record.executionId,
        ...(update.exitCode !== undefined ? { exitCode: update.exitCode } : {}),
      });
      return updated;
    } catch (error) {
      if (!ConflictError.isInstance(error)) throw error;
      return this.ports.executionStore.get(record.executionId, { signal });
    }
  }

  private async operation<T>(
    name: string,
    context: RequestContext,
    fields: Record<string, unknown>,
    body: (requestId: string, signal: AbortSignal | undefined) => Promise<T>,
  ): Promise<T> {
    const requestId = this.requestIdOf(context);
    const started = Date.now();
    this.log('debug', requestId, `${name} started`, { operation: name, ...fields });
    try {
      const result = await body(requestId, context.signal);
      this.log('info', requestId, `${name} succeeded`, {
        operation: name,
        ...fields,
        durationMs: Date.now() - started,
      });
      return result;
    } catch (error) {
      this.log(
        TaskportError.hasCode(error, 'VALIDATION') || TaskportError.hasCode(error, 'NOT_FOUND')
          ? 'warn'
          : 'error',
        requestId,
        `${name} failed`,
        {
          operation: name,
          ...fields,
          durationMs: Date.now() - started,
          error: describeError(error),
        },
      );
      throw error;
    }
  }

  private requestIdOf(context: RequestContext): string {
    if (context.requestId === undefined) return newRequestId();
    if (!isValidRequestId(context.requestId)) {
      throw new ValidationError('requestId must be 1-128 letters, digits or ._:-', {
        details: { field: 'requestId' },
      });
    }
    return context.requestId;
  }

  private log(
    level: 'debug' | 'info' | 'warn' | 'error',
    requestId: string,
    message: string,
    fields: Record<string, unknown>,
  ): void {
    this.logger.log({ level, message, requestId, fields });
  }
}

function requiredId(executionId: string): string {
  if (typeof executionId !== 'string' || executionId.trim() === '') {
    throw new ValidationError('an execution id is required', { details: { field: 'executionId' } });
  }
  return executionId;
}

/** Which parts of a request differ from what an execution record says was run (for the message). */
function requestDifferences(existing: Execution, request: NormalisedExecutionRequest): string[] {
  const differs: string[] = [];
  if (JSON.stringify(existing.command) !== JSON.stringify(request.command)) differs.push('the command');
  const names = [...Object.keys(request.env), ...Object.keys(request.secrets)].sort();
  if (JSON.stringify([...existing.envKeys].sort()) !== JSON.stringify(names)) differs.push('the env names');
  const sorted = (labels: Record<string, string>) =>
    JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
  if (sorted(existing.labels) !== sorted(request.labels)) differs.push('the labels');
  if ((existing.timeoutSeconds ?? null) !== (request.timeoutSeconds ?? null)) differs.push('the timeout');
  // The record keeps the resolved image; a request naming another one (or the default) is the rest.
  if (differs.length === 0) differs.push('the image');
  return differs;
}

function describeError(error: unknown): Record<string, unknown> {
  if (TaskportError.isInstance(error)) return { code: error.code, message: error.message };
  return { message: error instanceof Error ? error.message : String(error) };
}
