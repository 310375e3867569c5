import { createHash, randomUUID } from 'node:crypto';
import type { RunTaskCommandInput, Task } from '@aws-sdk/client-ecs';
import {
  ConfigurationError,
  ConflictError,
  checkStartCapabilities,
  checkStopCapabilities,
  commandArgv,
  type ImageInfo,
  type KillTaskOptions,
  NotFoundError,
  type OperationOptions,
  PLATFORMS,
  ProviderError,
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
import { AwsClientSource, awsClients } from './aws-clients.js';
import { awsCall, errorName, PROVIDER } from './aws-errors.js';
import { type AwsClients, type AwsOptions, accountIdOf } from './aws-options.js';
import {
  ensureTaskDefinition,
  familyFor,
  isSecretReference,
  type SecretRef,
  validateFargateSize,
} from './ecs-task-definitions.js';

/** ECS caps the JSON of a RunTask `overrides` at 8192 characters. */
export const MAX_OVERRIDE_CHARS = 8192;
/** The stoppedReason taskport writes when it stops a task for exceeding `timeoutSeconds`. */
export const TIMEOUT_REASON_PREFIX = 'taskport: timed out';
const KILL_REASON = 'taskport: stopped on request';
const DEADLINE_TAG = 'taskport:deadline';
// ECS tag rules: keys 1-128, values 0-256 characters of letters, digits, spaces and + - = . _ : / @.
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
/** ECS allows 50 tags per task; taskport uses up to 5 of them. */
const MAX_LABELS = 45;
/** ECS DescribeTasks takes at most 100 tasks per call. */
const DESCRIBE_BATCH = 100;
const FINISHED = new Set(['STOPPED', 'DELETED']);
const WINDING_DOWN = new Set(['DEACTIVATING', 'STOPPING', 'DEPROVISIONING']);

/**
 * Runs tasks on ECS Fargate.
 *
 * - Task definitions: one deterministic family per ImageID (plus a variant per set of secret ARNs). An image
 *   registered by `AwsImageRegistry` names its revision (`providerRef`), which is started as is, so even the
 *   first start in a process is one RunTask call; other images' revisions are looked up (or registered)
 *   once per process and cached.
 * - The command is the container override `command` (argv); env is the override `environment`; secrets that
 *   are Secrets Manager / SSM ARNs go through the task definition's `secrets`.
 * - Idempotent start: RunTask's `clientToken` is derived from the user, the idempotency key and the request
 *   (`startIdempotencyToken`), or is random per call, so the adapter's own retries never launch a second task.
 * - Timeout: ECS has no task deadline. The deadline is written as the tag `taskport:deadline` and enforced
 *   (StopTask with reason "taskport: timed out ...") by a timer in this process, by every `describeTask`,
 *   and by `sweepExpiredTasks()` for deployments that run it periodically.
 */
export class AwsTaskExecutor implements TaskExecutor {
  readonly provider = PROVIDER;
  readonly capabilities: TaskExecutorCapabilities = {
    killWhileStarting: true,
    nativeTimeout: false,
    runsImages: true,
    workingDir: false,
    stdin: false,
    stopSignal: false,
    stopGracePeriod: false,
  };
  private readonly clients: AwsClientSource;
  private readonly taskDefinitions = new Map<string, Promise<string>>();
  private readonly watchdogs = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly options: AwsOptions,
    clients?: Partial<AwsClients> | AwsClientSource,
  ) {
    this.clients = clients instanceof AwsClientSource ? clients : awsClients(options, clients);
  }

  async startTask(
    userEmail: string,
    request: TaskStartRequest,
    options: OperationOptions = {},
  ): Promise<TaskStartResult> {
    const operation = 'TaskExecutor.startTask';
    const { signal } = options;
    const prepared = this.prepare(userEmail, request, operation);
    const run = async (): Promise<Task[]> => {
      const taskDefinition = await this.taskDefinitionFor(
        request.image,
        prepared.secretRefs,
        prepared.family,
        operation,
        signal,
      );
      const input: RunTaskCommandInput = { ...prepared.input, taskDefinition };
      try {
        const result = await awsCall(
          operation,
          () =>
            this.clients.ecs((client, sdk) =>
              client.send(new sdk.RunTaskCommand(input), { abortSignal: signal }),
            ),
          {
            policy: this.options.retry,
            signal,
          },
        );
        if (result.tasks?.length) return result.tasks;
        const failures = (result.failures ?? []).map((f) =>
          `${f.arn ?? ''} ${f.reason ?? ''} ${f.detail ?? ''}`.trim(),
        );
        const capacity = failures.some((f) => /RESOURCE|capacity|AGENT/i.test(f));
        const message = `ECS started no task (${failures.join('; ') || 'no reason given'})`;
        throw capacity
          ? new UnavailableError(`${message}; retry later`, { provider: PROVIDER, operation })
          : new ProviderError(message, { provider: PROVIDER, operation });
      } catch (error) {
        // A cached revision that was deregistered since: look it up again, once.
        if (
          /inactive/i.test(String((error as Error)?.message)) &&
          errorName((error as { cause?: unknown }).cause) === 'ClientException'
        ) {
          this.taskDefinitions.delete(prepared.family);
          // Also when it was the registry's revision: that one is gone, look the family up.
          const fresh = await this.taskDefinitionFor(
            request.image,
            prepared.secretRefs,
            prepared.family,
            operation,
            signal,
            false,
          );
          // No task was started, and the parameters differ now: a derived token keeps the retry idempotent.
          const clientToken = `${input.clientToken}-r`;
          const retried = await awsCall(
            operation,
            () =>
              this.clients.ecs((client, sdk) =>
                client.send(new sdk.RunTaskCommand({ ...input, taskDefinition: fresh, clientToken }), {
                  abortSignal: signal,
                }),
              ),
            {
              policy: this.options.retry,
              signal,
            },
          );
          if (retried.tasks?.length) return retried.tasks;
        }
        throw error;
      }
    };
    const tasks = await run();
    const task = tasks[0]!;
    const executionId = taskIdOf(task.taskArn ?? '');
    if (prepared.deadline !== undefined) this.watch(executionId, prepared.deadline);
    return { executionId, ...(task.createdAt ? { createdAt: task.createdAt.toISOString() } : {}) };
  }

  async killTask(executionId: string, options: KillTaskOptions = {}): Promise<void> {
    const operation = 'TaskExecutor.killTask';
    checkStopCapabilities(this, validateStopOptions(options), { provider: PROVIDER, operation });
    const task = await this.describe(executionId, operation, options.signal);
    if (FINISHED.has(task.lastStatus ?? '')) {
      throw new ConflictError(
        `task ${executionId} has already finished (${describeEnd(task)}); there is nothing to kill`,
        {
          provider: PROVIDER,
          operation,
        },
      );
    }
    if (task.desiredStatus === 'STOPPED' && task.stopCode === 'UserInitiated') return;
    await this.stop(task, KILL_REASON, operation, options.signal);
  }

  async describeTask(executionId: string, options: OperationOptions = {}): Promise<TaskDescription> {
    const operation = 'TaskExecutor.describeTask';
    let task = await this.describe(executionId, operation, options.signal);
    if (!FINISHED.has(task.lastStatus ?? '') && task.desiredStatus !== 'STOPPED' && isOverdue(task)) {
      task = await this.stop(task, timeoutReason(task), operation, options.signal);
    }
    return toTaskDescription(task, this.options.containerName);
  }

  /**
   * Many tasks in as few DescribeTasks calls as ECS allows (100 ids each). Overdue tasks are stopped as
   * in `describeTask`. Ids that are not ECS task ids, or that ECS does not know, are left out.
   */
  async describeTasks(
    executionIds: readonly string[],
    options: OperationOptions = {},
  ): Promise<Map<string, TaskDescription>> {
    const operation = 'TaskExecutor.describeTasks';
    const { signal } = options;
    signal?.throwIfAborted();
    const out = new Map<string, TaskDescription>();
    const ids = [...new Set(executionIds.filter((id) => typeof id === 'string' && isTaskId(id.trim())))];
    for (let i = 0; i < ids.length; i += DESCRIBE_BATCH) {
      const chunk = ids.slice(i, i + DESCRIBE_BATCH);
      const result = await awsCall(
        operation,
        () =>
          this.clients.ecs((ecs, sdk) =>
            ecs.send(
              new sdk.DescribeTasksCommand({
                cluster: this.options.cluster,
                tasks: chunk,
                include: ['TAGS'],
              }),
              { abortSignal: signal },
            ),
          ),
        {
          policy: this.options.retry,
          signal,
          notFound: ['ClusterNotFoundException'],
          what: `cluster ${this.options.cluster}`,
        },
      );
      const byId = new Map((result.tasks ?? []).map((t) => [taskIdOf(t.taskArn ?? ''), t]));
      for (const id of chunk) {
        let task = byId.get(taskIdOf(id.trim()));
        if (!task) continue;
        if (!FINISHED.has(task.lastStatus ?? '') && task.desiredStatus !== 'STOPPED' && isOverdue(task)) {
          task = await this.stop(task, timeoutReason(task), operation, signal);
        }
        out.set(id, toTaskDescription(task, this.options.containerName));
      }
    }
    return out;
  }

  /**
   * Stops every task of this deployment (`startedBy`) that is past its `taskport:deadline`. Run it
   * periodically (e.g. a scheduled job) when no taskport process stays up to watch the tasks it started.
   * Returns the ids of the tasks it stopped.
   */
  async sweepExpiredTasks(options: OperationOptions = {}): Promise<string[]> {
    const operation = 'TaskExecutor.sweepExpiredTasks';
    const { signal } = options;
    const stopped: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await awsCall(
        operation,
        () =>
          this.clients.ecs((client, sdk) =>
            client.send(
              new sdk.ListTasksCommand({
                cluster: this.options.cluster,
                startedBy: this.options.startedBy,
                desiredStatus: 'RUNNING',
                nextToken,
              }),
              { abortSignal: signal },
            ),
          ),
        { policy: this.options.retry, signal },
      );
      const arns = page.taskArns ?? [];
      if (arns.length) {
        const described = await awsCall(
          operation,
          () =>
            this.clients.ecs((client, sdk) =>
              client.send(
                new sdk.DescribeTasksCommand({
                  cluster: this.options.cluster,
                  tasks: arns,
                  include: ['TAGS'],
                }),
                { abortSignal: signal },
              ),
            ),
          { policy: this.options.retry, signal },
        );
        for (const task of described.tasks ?? []) {
          if (!FINISHED.has(task.lastStatus ?? '') && task.desiredStatus !== 'STOPPED' && isOverdue(task)) {
            await this.stop(task, timeoutReason(task), operation, signal);
            stopped.push(taskIdOf(task.taskArn ?? ''));
          }
        }
      }
      nextToken = page.nextToken;
    } while (nextToken);
    return stopped;
  }

  /** Cancels the in-process timeout timers (the tag-based enforcement stays). */
  close(): void {
    for (const timer of this.watchdogs.values()) clearTimeout(timer);
    this.watchdogs.clear();
  }

  /** Validates everything before any AWS call and builds the RunTask input (without the task definition). */
  private prepare(userEmail: string, request: TaskStartRequest, operation: string) {
    const invalid = (field: string, message: string): never => {
      throw new ValidationError(message, { provider: PROVIDER, operation, details: { field } });
    };
    const valid = validateTaskStartRequest(userEmail, request, { provider: PROVIDER, operation });
    checkStartCapabilities(this, valid, { provider: PROVIDER, operation });
    const { image } = request;
    // ECS pulls by the normalised reference, which a hand-built ImageInfo may lack.
    if (typeof image.reference !== 'string' || image.reference === '') {
      invalid(
        'image.reference',
        'the resolved image has no normalised reference (an ImageInfo from an ImageRegistry has one)',
      );
    }
    validateFargateSize(image.cpu, image.memory, operation);
    if (!PLATFORMS.includes(image.platform)) {
      invalid('image.platform', `platform "${String(image.platform)}" is not one of ${PLATFORMS.join(', ')}`);
    }
    const argv = commandArgv(valid.command);
    if (this.options.subnets.length === 0) {
      throw new ConfigurationError('aws.subnets: Fargate tasks need at least one subnet; set aws.subnets', {
        provider: PROVIDER,
        operation,
        details: { key: 'aws.subnets' },
      });
    }
    const environment: { name: string; value: string }[] = [];
    for (const [name, value] of Object.entries(valid.env)) environment.push({ name, value });
    const secretRefs: SecretRef[] = [];
    for (const [name, value] of Object.entries(valid.secrets)) {
      if (isSecretReference(value)) {
        secretRefs.push({ name, valueFrom: value });
      } else if (this.options.plainSecrets === 'reject') {
        invalid(
          `secrets.${name}`,
          `secret "${name}" holds a plain value, which ECS would show to anyone allowed ecs:DescribeTasks, so it is refused. Store it in Secrets Manager (aws secretsmanager create-secret --name ${name} --secret-string ...) or SSM Parameter Store and pass its ARN as the value (export ${name}=arn:aws:secretsmanager:...; taskport run --secret ${name} ...). To pass plain values anyway, set aws.plainSecrets: unsafe-environment`,
        );
      } else {
        environment.push({ name, value });
      }
    }
    secretRefs.sort((a, b) => (a.name < b.name ? -1 : 1));

    const labels = Object.entries(request.labels ?? {});
    if (labels.length > MAX_LABELS)
      invalid('labels', `ECS allows at most ${MAX_LABELS} labels per task (as tags), got ${labels.length}`);
    const tags: { key: string; value: string }[] = [];
    for (const [key, value] of labels) {
      if (key.length > 128 || key.toLowerCase().startsWith('aws:') || !TAG_TEXT.test(key)) {
        invalid(
          `labels.${key}`,
          `label key "${key}" cannot be an ECS tag key (max 128 of letters, digits, spaces, + - = . _ : / @; no "aws:" prefix)`,
        );
      }
      if (typeof value !== 'string' || value.length > 256 || !TAG_TEXT.test(value)) {
        invalid(
          `labels.${key}`,
          `label "${key}" must be at most 256 letters, digits, spaces or + - = . _ : / @ to be an ECS tag value`,
        );
      }
      tags.push({ key, value });
    }
    let deadline: number | undefined;
    if (valid.timeoutSeconds !== undefined) {
      const t = valid.timeoutSeconds;
      deadline = Date.now() + t * 1000;
      tags.push({ key: DEADLINE_TAG, value: String(deadline) });
      tags.push({ key: 'taskport:timeoutSeconds', value: String(t) });
    }
    tags.push({
      key: 'taskport:imageId',
      value: image.imageId.replace(/[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu, '_'),
    });
    if (typeof request.requestId === 'string' && TAG_TEXT.test(request.requestId))
      tags.push({ key: 'taskport:requestId', value: request.requestId });
    if (TAG_TEXT.test(userEmail) && userEmail.length <= 256)
      tags.push({ key: 'taskport:user', value: userEmail.trim() });

    const overrides = {
      containerOverrides: [{ name: this.options.containerName, command: argv, environment }],
    };
    const size = JSON.stringify(overrides).length;
    if (size > MAX_OVERRIDE_CHARS) {
      invalid(
        'command',
        `the command and environment take ${size} characters as ECS overrides; ECS allows ${MAX_OVERRIDE_CHARS}. Move large values into the image, a file in S3, or secrets passed by ARN`,
      );
    }
    const idempotencyKey = request.idempotencyKey;
    if (
      idempotencyKey !== undefined &&
      (typeof idempotencyKey !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(idempotencyKey))
    ) {
      invalid('idempotencyKey', 'idempotencyKey must be 1-64 letters, digits, "-" or "_"');
    }
    const idempotencyToken = startIdempotencyToken(userEmail, request);
    const secretsVariant = secretRefs.length
      ? `s${hash(secretRefs.map((s) => `${s.name}=${s.valueFrom}`).join('\n'))}`
      : undefined;
    const family = familyFor(this.options.familyPrefix, image.imageId, secretsVariant);
    const input: Omit<RunTaskCommandInput, 'taskDefinition'> = {
      cluster: this.options.cluster,
      launchType: 'FARGATE',
      count: 1,
      startedBy: this.options.startedBy,
      // Same user, key and request -> same token -> ECS returns the task it started the first time; another
      // user's key or another request under the key is another token. Without a key the token is still
      // fixed for this call, so a retry after a lost response never starts a second task.
      clientToken: idempotencyToken
        ? `tp-${hash(`${this.options.cluster}\n${idempotencyToken}`, 40)}`
        : randomUUID(),
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: this.options.subnets,
          securityGroups: this.options.securityGroups,
          assignPublicIp: this.options.assignPublicIp ? 'ENABLED' : 'DISABLED',
        },
      },
      overrides,
      tags,
      enableECSManagedTags: true,
    };
    return { input, secretRefs, family, deadline };
  }

  /**
   * The task definition ARN for an image (and secret set): the registry's revision when the image names one
   * of this family, else cached, looked up or registered once per process.
   */
  private taskDefinitionFor(
    image: ImageInfo,
    secrets: SecretRef[],
    family: string,
    operation: string,
    signal: AbortSignal | undefined,
    useRegistered = true,
  ): Promise<string> {
    const cached = this.taskDefinitions.get(family);
    if (cached) return cached;
    const registered = useRegistered ? registeredRevision(image, family, this.options.region) : undefined;
    if (registered) return Promise.resolve(registered);
    const pending = ensureTaskDefinition(
      this.clients,
      {
        family,
        imageId: image.imageId,
        image: image.reference,
        cpu: image.cpu,
        memory: image.memory,
        platform: image.platform,
        taskRole: image.taskRole,
        executionRole: image.executionRole,
        secrets,
      },
      this.options,
      operation,
      { signal, retry: this.options.retry, accountId: accountIdOf(this.options) },
    ).then((r) => r.arn);
    this.taskDefinitions.set(family, pending);
    // A failed lookup is not cached: the next start tries again.
    pending.catch(() => this.taskDefinitions.delete(family));
    return pending;
  }

  private async describe(
    executionId: string,
    operation: string,
    signal: AbortSignal | undefined,
  ): Promise<Task> {
    const id = checkExecutionId(executionId, operation);
    const result = await awsCall(
      operation,
      () =>
        this.clients.ecs((client, sdk) =>
          client.send(
            new sdk.DescribeTasksCommand({ cluster: this.options.cluster, tasks: [id], include: ['TAGS'] }),
            { abortSignal: signal },
          ),
        ),
      {
        policy: this.options.retry,
        signal,
        notFound: ['ClusterNotFoundException'],
        what: `cluster ${this.options.cluster}`,
      },
    );
    // Match the id exactly: never accept a task whose id merely contains it.
    const task = result.tasks?.find((t) => taskIdOf(t.taskArn ?? '') === taskIdOf(id));
    if (!task) {
      throw new NotFoundError(`no task ${executionId} in cluster ${this.options.cluster}`, {
        provider: PROVIDER,
        operation,
      });
    }
    return task;
  }

  private async stop(
    task: Task,
    reason: string,
    operation: string,
    signal: AbortSignal | undefined,
  ): Promise<Task> {
    const result = await awsCall(
      operation,
      () =>
        this.clients.ecs((client, sdk) =>
          client.send(
            new sdk.StopTaskCommand({ cluster: this.options.cluster, task: task.taskArn, reason }),
            { abortSignal: signal },
          ),
        ),
      { policy: this.options.retry, signal },
    );
    this.unwatch(taskIdOf(task.taskArn ?? ''));
    return { ...task, ...(result.task ?? {}), tags: task.tags };
  }

  private watch(executionId: string, deadline: number): void {
    if (!this.options.timeoutWatchdog) return;
    const timer = setTimeout(
      () => {
        this.watchdogs.delete(executionId);
        this.describeTask(executionId).catch(() => undefined);
      },
      Math.max(0, deadline - Date.now()) + 50,
    );
    timer.unref();
    this.watchdogs.set(executionId, timer);
  }

  private unwatch(executionId: string): void {
    const timer = this.watchdogs.get(executionId);
    if (timer) clearTimeout(timer);
    this.watchdogs.delete(executionId);
  }
}

const TASK_DEFINITION_ARN =
  /^arn:aws[\w-]*:ecs:([a-z0-9-]+):\d{12}:task-definition\/([A-Za-z0-9_-]{1,255}):\d+$/;

/**
 * The revision `AwsImageRegistry` registered for this image (its `providerRef`), when it is of the family
 * this executor would use, in its region. The registry checked the revision against the same options when
 * it registered it (same family prefix, so the same deployment); a revision deregistered since is caught
 * by RunTask, and the start then looks the family up.
 */
function registeredRevision(image: ImageInfo, family: string, region: string): string | undefined {
  const match = image.providerRef ? TASK_DEFINITION_ARN.exec(image.providerRef) : null;
  return match && match[1] === region && match[2] === family ? image.providerRef : undefined;
}

function hash(text: string, length = 8): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** The task id (last ARN segment); it is the execution id. */
export function taskIdOf(arnOrId: string): string {
  return arnOrId.split('/').pop() ?? arnOrId;
}

/** Whether the text can name an ECS task (an id or a task ARN). */
function isTaskId(id: string): boolean {
  return /^[A-Za-z0-9-]{1,64}$/.test(taskIdOf(id)) && (!id.includes('/') || id.startsWith('arn:'));
}

function checkExecutionId(executionId: string, operation: string): string {
  if (typeof executionId !== 'string' || executionId.trim() === '') {
    throw new ValidationError('an execution id is required', {
      provider: PROVIDER,
      operation,
      details: { field: 'executionId' },
    });
  }
  const id = executionId.trim();
  if (!/^[A-Za-z0-9-]{1,64}$/.test(taskIdOf(id)) || (id.includes('/') && !id.startsWith('arn:'))) {
    throw new NotFoundError(`"${executionId}" is not an ECS task id, so no such task exists`, {
      provider: PROVIDER,
      operation,
    });
  }
  return id;
}

function tagOf(task: Task, key: string): string | undefined {
  return task.tags?.find((t) => t.key === key)?.value;
}

function isOverdue(task: Task, now = Date.now()): boolean {
  const deadline = Number(tagOf(task, DEADLINE_TAG));
  return Number.isFinite(deadline) && deadline > 0 && now >= deadline;
}

function timeoutReason(task: Task): string {
  return `${TIMEOUT_REASON_PREFIX} after ${tagOf(task, 'taskport:timeoutSeconds') ?? '?'}s (timeoutSeconds)`;
}

function describeEnd(task: Task): string {
  return [task.lastStatus, task.stopCode, task.stoppedReason].filter(Boolean).join(', ');
}

/** Maps an ECS task to the domain: lastStatus / stopCode / stoppedReason / the main container's exit code. */
export function toTaskDescription(task: Task, containerName: string): TaskDescription {
  const container = task.containers?.find((c) => c.name === containerName) ?? task.containers?.[0];
  const last = task.lastStatus ?? 'PROVISIONING';
  const details: Record<string, string> = { taskArn: task.taskArn ?? '', lastStatus: last };
  if (task.desiredStatus) details.desiredStatus = task.desiredStatus;
  if (task.stopCode) details.stopCode = task.stopCode;
  const times = {
    ...(task.startedAt ? { startedAt: task.startedAt.toISOString() } : {}),
    ...(task.stoppedAt ? { stoppedAt: task.stoppedAt.toISOString() } : {}),
  };
  const reason =
    [task.stopCode, task.stoppedReason, container?.reason].filter(Boolean).join(': ') || undefined;
  if (FINISHED.has(last)) {
    const exitCode = typeof container?.exitCode === 'number' ? container.exitCode : null;
    let status: TaskDescription['status'];
    let stopCode: StopCode;
    if (task.stopCode === 'TaskFailedToStart') {
      status = 'FAILED';
      stopCode = 'FAILED_TO_START';
    } else if (task.stoppedReason?.startsWith(TIMEOUT_REASON_PREFIX)) {
      status = 'FAILED';
      stopCode = 'TIMED_OUT';
    } else if (task.stopCode === 'UserInitiated') {
      status = 'STOPPED';
      stopCode = 'USER_INITIATED';
    } else if (task.stopCode && task.stopCode !== 'EssentialContainerExited') {
      // ServiceSchedulerInitiated, SpotInterruption, TerminationNotice: the platform took the task away.
      status = 'FAILED';
      stopCode = 'RUNTIME_LOST';
    } else if (exitCode === null) {
      status = 'FAILED';
      stopCode = 'RUNTIME_LOST';
    } else {
      status = exitCode === 0 ? 'SUCCEEDED' : 'FAILED';
      stopCode = 'EXITED';
    }
    return {
      status,
      exitCode,
      stopCode,
      ...times,
      reason:
        reason ??
        (exitCode === null ? 'the task stopped without an exit code' : `exited with code ${exitCode}`),
      details,
    };
  }
  const stopping = task.desiredStatus === 'STOPPED' || WINDING_DOWN.has(last);
  const userStop = task.stopCode === 'UserInitiated' || (task.desiredStatus === 'STOPPED' && !task.stopCode);
  const status =
    stopping && userStop
      ? 'TERMINATING'
      : last === 'RUNNING' || WINDING_DOWN.has(last)
        ? 'RUNNING'
        : 'STARTING';
  return { status, exitCode: null, ...times, ...(reason ? { reason } : {}), details };
}
