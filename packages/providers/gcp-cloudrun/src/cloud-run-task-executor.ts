import { randomUUID } from 'node:crypto';
import { protos } from '@google-cloud/run';
import {
  ConflictError,
  checkStartCapabilities,
  checkStopCapabilities,
  commandArgv,
  type KillTaskOptions,
  NotFoundError,
  type OperationOptions,
  type StopCode,
  startIdempotencyToken,
  type TaskDescription,
  type TaskExecutor,
  type TaskExecutorCapabilities,
  type TaskStartRequest,
  type TaskStartResult,
  UnavailableError,
  ValidationError,
  validateStopOptions,
  validateTaskStartRequest,
} from '@taskport/core';
import { withRetry } from '@taskport/provider-utils';
import { createJobIfMissing, jobFor, jobNameFor } from './cloud-run-jobs.js';
import { resolveClients } from './gcp-clients.js';
import {
  Code,
  classifyGcpError,
  grpcCode,
  isAmbiguous,
  translateGcpError,
  withSignal,
} from './gcp-errors.js';
import { type GcpClients, type GcpOptions, PROVIDER } from './gcp-options.js';

type IExecution = protos.google.cloud.run.v2.IExecution;
type ITask = protos.google.cloud.run.v2.ITask;
type IEnvVar = protos.google.cloud.run.v2.IEnvVar;

/**
 * The environment variable that marks each run with its start: core's `startIdempotencyToken` (user,
 * idempotency key and the request's fingerprint), or a random id when there is no key. RunJob takes no client token, so this is how a start that may or may not
 * have gone through is found again (ListExecutions shows each execution's environment).
 */
export const START_MARKER_ENV = 'TASKPORT_START_ID';
const RESERVED_ENV = new Set([
  START_MARKER_ENV,
  'CLOUD_RUN_JOB',
  'CLOUD_RUN_EXECUTION',
  'CLOUD_RUN_TASK_INDEX',
  'CLOUD_RUN_TASK_ATTEMPT',
  'CLOUD_RUN_TASK_COUNT',
]);
const MAX_ENV = 1000;
const SECRET_REFERENCE = /^projects\/([^/]+)\/secrets\/([A-Za-z0-9_-]{1,255})(?:\/versions\/(latest|\d+))?$/;
const EXECUTION_NAME =
  /^projects\/[^/]+\/locations\/[a-z0-9-]+\/jobs\/[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?\/executions\/[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;
/** Final descriptions kept so repeated reads of a finished task cost no call. */
const FINAL_CACHE = 1000;

interface PreparedStart {
  jobName: string;
  job: ReturnType<typeof jobFor>;
  marker: string;
  keyed: boolean;
  overrides: protos.google.cloud.run.v2.RunJobRequest.IOverrides;
}

/**
 * Runs tasks as executions of Cloud Run jobs (Admin API v2).
 *
 * - One job per ImageID (the registry's, or created here on first use for an image registered elsewhere);
 *   a start is one `RunJob` with `overrides.containerOverrides[{ args, env }]` and `overrides.timeout`, so a
 *   warm start is exactly one API call. The execution's resource name is the execution id.
 * - The argv is the run's `args`: the image's ENTRYPOINT, if any, receives it (`docker run IMAGE ARGS`,
 *   docs/adr/037-gcp-cloudrun-command-semantics.md). A string command is `/bin/sh -c <command>`.
 * - RunJob's long-running operation ends only when the execution does: it is never waited on.
 * - Kill is `CancelExecution`; describe is `GetExecution` (+ `ListTasks` once final, for the exit code).
 * - Idempotent start: see START_MARKER_ENV. A throttled RunJob (RESOURCE_EXHAUSTED) provably did not run
 *   and is retried; after an ambiguous failure (UNAVAILABLE, DEADLINE_EXCEEDED, ...) the marker is looked up
 *   among the job's recent executions, and RunJob is repeated only when that read shows it did not run.
 */
export class CloudRunTaskExecutor implements TaskExecutor {
  readonly provider = PROVIDER;
  readonly capabilities: TaskExecutorCapabilities = {
    killWhileStarting: true,
    nativeTimeout: true,
    runsImages: true,
    workingDir: false,
    stdin: false,
    stopSignal: false,
    stopGracePeriod: false,
  };
  private readonly clients: GcpClients;
  private readonly closeClients: () => Promise<void>;
  private readonly starting = new Map<string, Promise<TaskStartResult>>();
  private readonly finals = new Map<string, TaskDescription>();

  constructor(
    private readonly options: GcpOptions,
    clients?: GcpClients,
  ) {
    ({ clients: this.clients, close: this.closeClients } = resolveClients(options, clients));
  }

  async startTask(
    userEmail: string,
    request: TaskStartRequest,
    options: OperationOptions = {},
  ): Promise<TaskStartResult> {
    const operation = 'TaskExecutor.startTask';
    const { signal } = options;
    signal?.throwIfAborted();
    const prepared = this.prepare(userEmail, request, operation);
    if (!prepared.keyed) return this.run(prepared, operation, signal);
    // Starts of one key in this process share one attempt; other processes find it by its marker.
    const pending = this.starting.get(prepared.marker);
    if (pending) return pending;
    const start = (async () => {
      const found = await this.findByMarker(prepared, operation, signal);
      return found ?? (await this.run(prepared, operation, signal));
    })().finally(() => this.starting.delete(prepared.marker));
    this.starting.set(prepared.marker, start);
    return start;
  }

  async killTask(executionId: string, options: KillTaskOptions = {}): Promise<void> {
    const operation = 'TaskExecutor.killTask';
    checkStopCapabilities(this, validateStopOptions(options), { provider: PROVIDER, operation });
    const { signal } = options;
    signal?.throwIfAborted();
    const name = checkExecutionId(executionId, operation);
    try {
      // The cancel operation is not waited on: the execution reports CANCELLING, then STOPPED.
      await withRetry(
        () => withSignal(() => this.clients.executions.cancelExecution({ name }, this.callOptions()), signal),
        { classify: classifyGcpError, policy: this.options.retry, signal },
      );
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      const code = grpcCode(error);
      if (code === Code.NOT_FOUND) {
        throw new NotFoundError(`no execution ${executionId}`, {
          provider: PROVIDER,
          operation,
          cause: error,
        });
      }
      if (code === Code.FAILED_PRECONDITION) {
        throw new ConflictError(`execution ${executionId} has already finished; there is nothing to kill`, {
          provider: PROVIDER,
          operation,
          cause: error,
        });
      }
      throw translateGcpError(error, operation, `execution ${executionId}`);
    }
  }

  async describeTask(executionId: string, options: OperationOptions = {}): Promise<TaskDescription> {
    const operation = 'TaskExecutor.describeTask';
    const { signal } = options;
    signal?.throwIfAborted();
    const name = checkExecutionId(executionId, operation);
    const cached = this.finals.get(name);
    if (cached) return cached;
    const read = <T>(call: () => Promise<T>) =>
      withRetry(() => call(), { classify: classifyGcpError, policy: this.options.retry, signal }).catch(
        (error) => {
          if (signal?.aborted) throw signal.reason;
          if (grpcCode(error) === Code.NOT_FOUND) {
            throw new NotFoundError(`no execution ${executionId}`, {
              provider: PROVIDER,
              operation,
              cause: error,
            });
          }
          throw translateGcpError(error, operation, `execution ${executionId}`);
        },
      );
    const [execution] = await read(() =>
      withSignal(() => this.clients.executions.getExecution({ name }, this.callOptions()), signal),
    );
    if (!execution.completionTime) return toTaskDescription(execution, []);
    const [tasks] = await read(() =>
      withSignal(
        () =>
          this.clients.tasks.listTasks(
            { parent: name, pageSize: 100 },
            { ...this.callOptions(), autoPaginate: false },
          ),
        signal,
      ),
    );
    const description = toTaskDescription(execution, tasks);
    if (this.finals.size >= FINAL_CACHE) this.finals.delete(this.finals.keys().next().value!);
    this.finals.set(name, description);
    return description;
  }

  async close(): Promise<void> {
    await this.closeClients();
  }

  /** Every check before any call, and the RunJob overrides. */
  private prepare(userEmail: string, request: TaskStartRequest, operation: string): PreparedStart {
    const invalid = (field: string, message: string): never => {
      throw new ValidationError(message, { provider: PROVIDER, operation, details: { field } });
    };
    const valid = validateTaskStartRequest(userEmail, request, { provider: PROVIDER, operation });
    checkStartCapabilities(this, valid, { provider: PROVIDER, operation });
    const { image } = request;
    if (typeof image.reference !== 'string' || image.reference === '') {
      invalid(
        'image.reference',
        'the resolved image has no normalised reference (an ImageInfo from an ImageRegistry has one)',
      );
    }
    if (image.platform !== 'linux/amd64') {
      invalid(
        'image.platform',
        `Cloud Run runs linux/amd64 images only; image ${image.imageId} is ${String(image.platform)}. Register a linux/amd64 variant`,
      );
    }
    const job = jobFor(image, this.options, 'runner', operation);
    const env: IEnvVar[] = [];
    const named = (name: string, field: string) => {
      if (RESERVED_ENV.has(name))
        invalid(field, `${name} is reserved on Cloud Run (or by taskport); use another name`);
      if (name.includes('=') || name === '')
        invalid(field, `environment variable name "${name}" must not be empty or contain "="`);
    };
    for (const [name, value] of Object.entries(valid.env)) {
      named(name, `env.${name}`);
      env.push({ name, value });
    }
    for (const [name, value] of Object.entries(valid.secrets)) {
      named(name, `secrets.${name}`);
      const reference = SECRET_REFERENCE.exec(value);
      if (reference) {
        env.push({
          name,
          valueSource: {
            secretKeyRef: {
              secret: `projects/${reference[1]}/secrets/${reference[2]}`,
              version: reference[3] ?? 'latest',
            },
          },
        });
      } else if (this.options.plainSecrets === 'reject') {
        invalid(
          `secrets.${name}`,
          `secret "${name}" is not a Secret Manager reference (projects/P/secrets/NAME[/versions/V]) and gcp-cloudrun.plainSecrets is "reject"`,
        );
      } else {
        env.push({ name, value });
      }
    }
    if (env.length + 1 > MAX_ENV) {
      invalid(
        'env',
        `Cloud Run allows ${MAX_ENV} environment variables per container; taskport needs one, so at most ${MAX_ENV - 1}`,
      );
    }
    // A key means one request of one user: the token covers the user, the key and the request's fingerprint.
    const token = startIdempotencyToken(userEmail, request);
    const keyed = token !== undefined;
    const marker = token ? `k${token.slice(0, 40)}` : `r${randomUUID().replaceAll('-', '')}`;
    env.push({ name: START_MARKER_ENV, value: marker });
    const args = commandArgv(valid.command);
    return {
      jobName: jobNameFor(image.imageId, this.options),
      job,
      marker,
      keyed,
      overrides: {
        containerOverrides: [{ name: this.options.containerName, args, env }],
        ...(valid.timeoutSeconds !== undefined ? { timeout: { seconds: valid.timeoutSeconds } } : {}),
      },
    };
  }

  /** RunJob, with the retry rules of an operation that has no client token. */
  private async run(prepared: PreparedStart, operation: string, signal: AbortSignal | undefined) {
    let jobCreated = false;
    try {
      return await withRetry(
        async () => {
          try {
            const [started] = await withSignal(
              () =>
                this.clients.jobs.runJob(
                  { name: prepared.jobName, overrides: prepared.overrides },
                  this.callOptions(),
                ),
              signal,
            );
            // Never waited on: the operation completes only when the execution ends.
            return resultOf(started.metadata as unknown as IExecution);
          } catch (error) {
            if (signal?.aborted) throw signal.reason;
            const code = grpcCode(error);
            if (code === Code.NOT_FOUND && !jobCreated) {
              // An image registered elsewhere: its job is made on first use, then the run is repeated.
              jobCreated = true;
              await createJobIfMissing(
                this.clients,
                this.options,
                prepared.jobName,
                prepared.job,
                operation,
                signal,
              );
              throw new NotRunError('the job did not exist yet', error);
            }
            if (isAmbiguous(error)) {
              const found = await this.findByMarker(prepared, operation, signal).catch((lookup: unknown) => {
                // Not retried: repeating RunJob now could start the task twice.
                throw new AmbiguousStartError(
                  `RunJob failed (${describe(error)}) and looking for its execution failed too (${describe(lookup)}); the task may have started. Retry with the same idempotencyKey to start it at most once`,
                  error,
                );
              });
              if (found) return found;
              // The job's executions show no run with this start's marker: it did not run, so run it again.
              throw new NotRunError(describe(error), error);
            }
            throw error;
          }
        },
        {
          classify: (error) =>
            error instanceof NotRunError
              ? 'transient'
              : classifyGcpError(error) === 'throttle'
                ? 'throttle'
                : 'permanent',
          policy: this.options.retry,
          signal,
        },
      );
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (error instanceof AmbiguousStartError) {
        throw new UnavailableError(error.message, { provider: PROVIDER, operation, cause: error.cause });
      }
      throw translateGcpError(
        error instanceof NotRunError ? error.cause : error,
        operation,
        `running job ${prepared.jobName.split('/').pop()}`,
      );
    }
  }

  /** The newest execution of the job that carries this start's marker, within the lookback window. */
  private async findByMarker(
    prepared: PreparedStart,
    operation: string,
    signal: AbortSignal | undefined,
  ): Promise<TaskStartResult | undefined> {
    const cutoff = Date.now() - this.options.idempotencyLookbackHours * 3_600_000;
    let pageToken: string | undefined;
    // 1000 completed executions are kept per job: that bounds the scan.
    for (let scanned = 0; scanned < 1000; ) {
      let page: IExecution[];
      let next: string | undefined;
      try {
        const response = await withRetry(
          () =>
            withSignal(
              () =>
                this.clients.executions.listExecutions(
                  { parent: prepared.jobName, pageSize: 100, ...(pageToken ? { pageToken } : {}) },
                  { ...this.callOptions(), autoPaginate: false },
                ),
              signal,
            ),
          { classify: classifyGcpError, policy: this.options.retry, signal },
        );
        page = response[0];
        next = (response[2] as { nextPageToken?: string | null } | undefined)?.nextPageToken ?? undefined;
      } catch (error) {
        if (grpcCode(error) === Code.NOT_FOUND) return undefined; // no job, so no execution of it
        throw translateGcpError(error, operation, 'looking for an execution of this start');
      }
      for (const execution of page) {
        const env: IEnvVar[] = (execution.template?.containers ?? []).flatMap(
          (container) => container.env ?? [],
        );
        if (env.some((e) => e.name === START_MARKER_ENV && e.value === prepared.marker))
          return resultOf(execution);
        if (millis(execution.createTime) < cutoff) return undefined;
      }
      scanned += page.length;
      if (!next || page.length === 0) return undefined;
      pageToken = next;
    }
    return undefined;
  }

  private callOptions() {
    // No retries inside the client: each call is one attempt, and retries are decided here.
    return { timeout: this.options.callTimeoutMs, retry: null };
  }
}

/** A RunJob attempt that provably started nothing (the job was missing, or the lookup saw no run). */
class NotRunError extends Error {
  constructor(
    message: string,
    override readonly cause: unknown,
  ) {
    super(message);
  }
}

/** A RunJob that may or may not have started the task, and whose lookup failed: never repeated. */
class AmbiguousStartError extends Error {
  constructor(
    message: string,
    override readonly cause: unknown,
  ) {
    super(message);
  }
}

function describe(error: unknown): string {
  const e = error as { code?: unknown; details?: unknown; message?: unknown } | null;
  return typeof e?.code === 'number'
    ? `gRPC ${e.code} ${String(e.details ?? e.message ?? '')}`
    : String(e?.message ?? error);
}

function resultOf(raw: IExecution): TaskStartResult {
  // Decoded from the operation's Any: a protobufjs message (numeric enums, Longs); normalise it first.
  const execution =
    raw instanceof protos.google.cloud.run.v2.Execution
      ? (protos.google.cloud.run.v2.Execution.toObject(raw, { enums: String, longs: String }) as IExecution)
      : raw;
  if (!execution.name)
    throw new UnavailableError('RunJob answered without the execution name', { provider: PROVIDER });
  const createdAt = iso(execution.createTime);
  return { executionId: execution.name, ...(createdAt ? { createdAt } : {}) };
}

function checkExecutionId(executionId: string, operation: string): string {
  if (typeof executionId !== 'string' || executionId.trim() === '') {
    throw new ValidationError('an execution id is required', {
      provider: PROVIDER,
      operation,
      details: { field: 'executionId' },
    });
  }
  const name = executionId.trim();
  if (!EXECUTION_NAME.test(name)) {
    throw new NotFoundError(
      `"${executionId}" is not a Cloud Run execution name (projects/P/locations/R/jobs/J/executions/E), so no such execution exists`,
      { provider: PROVIDER, operation },
    );
  }
  return name;
}

type TimestampLike =
  | { seconds?: number | string | { toString(): string } | null; nanos?: number | null }
  | null
  | undefined;

function millis(value: TimestampLike): number {
  if (!value) return Number.NaN;
  return Number(String(value.seconds ?? 0)) * 1000 + Math.floor((value.nanos ?? 0) / 1e6);
}

function iso(value: TimestampLike): string | undefined {
  const ms = millis(value);
  return Number.isFinite(ms) && ms > 0 ? new Date(ms).toISOString() : undefined;
}

/**
 * Maps an execution (and, once final, its tasks) to the domain. A cancelled execution is STOPPED whatever
 * its `Completed` condition says (the LRO of a cancelled run ends without error, like a success); SUCCEEDED
 * needs every task counted as succeeded and none failed.
 */
export function toTaskDescription(execution: IExecution, tasks: ITask[]): TaskDescription {
  const conditions = execution.conditions ?? [];
  const completed = conditions.find((c) => c.type === 'Completed');
  const reason = String(completed?.executionReason ?? '');
  const details: Record<string, string> = { execution: execution.name ?? '' };
  if (execution.job) details.job = execution.job;
  if (execution.logUri) details.logUri = execution.logUri;
  const startedAt = iso(execution.startTime);
  const stoppedAt = iso(execution.completionTime);
  const times = { ...(startedAt ? { startedAt } : {}), ...(stoppedAt ? { stoppedAt } : {}) };
  const message = completed?.message || undefined;
  if (!stoppedAt) {
    if (reason === 'CANCELLING') {
      return { status: 'TERMINATING', exitCode: null, ...times, reason: message ?? 'cancelling', details };
    }
    const running = Boolean(startedAt) || (execution.runningCount ?? 0) > 0;
    const pending = conditions.find((c) => c.type === 'ResourcesAvailable' && c.message)?.message;
    return {
      status: running ? 'RUNNING' : 'STARTING',
      exitCode: null,
      ...times,
      ...(!running && pending ? { reason: pending } : {}),
      details,
    };
  }
  const taskCount = execution.taskCount ?? 1;
  const failedTask =
    tasks.find((t) =>
      t.conditions?.some(
        (c) =>
          c.type === 'Completed' &&
          String(c.state) === 'CONDITION_FAILED' &&
          c.message !== 'The task was cancelled.',
      ),
    ) ?? tasks.find((t) => t.lastAttemptResult?.exitCode || t.lastAttemptResult?.status?.code);
  const attempt = (failedTask ?? tasks[0])?.lastAttemptResult;
  const end = (
    status: TaskDescription['status'],
    stopCode: StopCode,
    exitCode: number | null,
    why: string,
  ) => ({
    status,
    exitCode,
    stopCode,
    ...times,
    reason: why,
    details,
  });
  if ((execution.cancelledCount ?? 0) > 0 || reason === 'CANCELLED') {
    return end('STOPPED', 'USER_INITIATED', null, message ?? 'the execution was cancelled');
  }
  if ((execution.succeededCount ?? 0) >= taskCount && (execution.failedCount ?? 0) === 0) {
    return end('SUCCEEDED', 'EXITED', 0, message ?? 'exited with code 0');
  }
  const statusCode = attempt?.status?.code ?? 0;
  if (statusCode === Code.DEADLINE_EXCEEDED || /maximum timeout|timed out|timeout/i.test(message ?? '')) {
    return end(
      'FAILED',
      'TIMED_OUT',
      null,
      message ?? attempt?.status?.message ?? 'the task exceeded its timeout',
    );
  }
  const exitCode = attempt?.exitCode ? attempt.exitCode : null;
  if (exitCode !== null) return end('FAILED', 'EXITED', exitCode, message ?? `exited with code ${exitCode}`);
  return end(
    'FAILED',
    startedAt ? 'RUNTIME_LOST' : 'FAILED_TO_START',
    null,
    message ?? attempt?.status?.message ?? 'the execution failed without an exit code',
  );
}
