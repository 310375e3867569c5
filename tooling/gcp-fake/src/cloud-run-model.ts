import { randomBytes, randomUUID } from 'node:crypto';
import {
  checkAnnotations,
  checkEnv,
  checkExecutionTemplate,
  checkLabels,
  checkTimeout,
} from './cloud-run-limits.js';
import type { Condition, Container, EnvVar, Execution, Job, Task, TaskTemplate } from './cloud-run-types.js';
import { aborted, alreadyExists, failedPrecondition, invalid, notFound, required } from './grpc-errors.js';
import { packRun } from './protos.js';
import {
  checkOperationName,
  JOB_ID,
  parseExecutionName,
  parseJobName,
  parseParent,
} from './resource-names.js';
import { timestamp } from './time.js';

/** What a RunJob request may override for one run (`RunJobRequest.Overrides`). */
interface Overrides {
  containerOverrides?: { name?: string; args?: string[]; env?: EnvVar[]; clearArgs?: boolean }[];
  taskCount?: number;
  timeout?: { seconds?: string | number; nanos?: number };
}

interface StoredOperation {
  name: string;
  kind: 'Job' | 'Execution';
  /** The resource the operation is about (its metadata is that resource now). */
  target: string;
  /** A snapshot for operations whose resource is gone (DeleteJob). */
  snapshot?: Job;
  /** Polls of GetOperation left before a short operation reports done. */
  pollsLeft: number;
  /** RunJob operations end with their execution, not after polls. */
  followsExecution: boolean;
}

export interface OperationMessage {
  name: string;
  metadata: { typeUrl: string; value: Buffer };
  done: boolean;
  response?: { typeUrl: string; value: Buffer };
  error?: { code: number; message: string };
}

const CALLER = 'taskport-tests@fake.iam.gserviceaccount.com';

function etag(): string {
  return `"${randomBytes(9).toString('base64url')}"`;
}

function condition(type: string, state: Condition['state'], extra: Partial<Condition> = {}): Condition {
  return { type, state, lastTransitionTime: timestamp(), ...extra };
}

function setCondition(conditions: Condition[], next: Condition): void {
  const index = conditions.findIndex((c) => c.type === next.type);
  if (index >= 0) conditions[index] = next;
  else conditions.push(next);
}

function page<T>(items: T[], pageSize: number | undefined, pageToken: string | undefined, max = 1000) {
  const size = Math.min(pageSize && pageSize > 0 ? pageSize : 100, max);
  const offset = pageToken ? Number(Buffer.from(pageToken, 'base64url').toString()) : 0;
  if (!Number.isInteger(offset) || offset < 0) throw invalid(`page_token "${pageToken}" is not valid`);
  const slice = items.slice(offset, offset + size);
  const next = offset + size < items.length ? Buffer.from(String(offset + size)).toString('base64url') : '';
  return { slice, nextPageToken: next };
}

/** Listeners the runtime registers so an execution's end reaches its running program (cancel, delete). */
export type ExecutionListener = (execution: Execution, why: 'cancelled' | 'deleted') => void;

/**
 * The state of the fake Cloud Run Admin API: jobs, executions, tasks and long-running operations, with the
 * validation, status codes and etag rules of the real service. Executions stay PENDING until the runtime
 * (`FakeContainerRuntime`) starts them, as if the image were still being pulled.
 */
export class CloudRunModel {
  readonly jobs = new Map<string, Job>();
  readonly executions = new Map<string, Execution>();
  readonly tasks = new Map<string, Task[]>();
  private readonly operations = new Map<string, StoredOperation>();
  private readonly listeners = new Set<ExecutionListener>();
  /** Delay between CancelExecution and the tasks being reported cancelled. */
  cancelDelayMs = 50;

  onExecutionEnd(listener: ExecutionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- Jobs ----

  createJob(request: { parent?: string; job?: Partial<Job>; jobId?: string; validateOnly?: boolean }) {
    const parent = required(request.parent, 'parent');
    const { project, location } = parseParent(parent);
    const jobId = required(request.jobId, 'job_id');
    if (!JOB_ID.test(jobId)) {
      throw invalid(
        `job_id "${jobId}" must be at most 63 lowercase letters, digits or hyphens, starting with a letter`,
      );
    }
    const input = request.job;
    if (!input) throw invalid('job is required');
    const name = `projects/${project}/locations/${location}/jobs/${jobId}`;
    if (input.name && input.name !== name) throw invalid(`job.name must be empty or ${name}`);
    this.checkJob(input);
    if (this.jobs.has(name)) throw alreadyExists(`Resource '${jobId}' already exists.`);
    const now = timestamp();
    const job: Job = {
      name,
      uid: randomUUID(),
      generation: '1',
      labels: { ...(input.labels ?? {}) },
      annotations: { ...(input.annotations ?? {}) },
      createTime: now,
      updateTime: now,
      creator: CALLER,
      lastModifier: CALLER,
      ...(input.client ? { client: input.client } : {}),
      ...(input.clientVersion ? { clientVersion: input.clientVersion } : {}),
      launchStage: input.launchStage ?? 'GA',
      template: structuredClone(input.template!),
      observedGeneration: '1',
      terminalCondition: condition('Ready', 'CONDITION_SUCCEEDED'),
      conditions: [],
      executionCount: 0,
      reconciling: false,
      etag: etag(),
    };
    if (request.validateOnly) return this.operationFor('Job', name, { snapshot: job, store: false });
    this.jobs.set(name, job);
    return this.operationFor('Job', name);
  }

  getJob(request: { name?: string }): Job {
    const name = required(request.name, 'name');
    parseJobName(name);
    const job = this.jobs.get(name);
    if (!job)
      throw notFound(
        `Resource '${name.split('/').pop()}' of kind 'JOB' in region '${name.split('/')[3]}' in project '${name.split('/')[1]}' does not exist.`,
      );
    return job;
  }

  listJobs(request: { parent?: string; pageSize?: number; pageToken?: string }) {
    const parent = required(request.parent, 'parent');
    parseParent(parent);
    const all = [...this.jobs.values()]
      .filter((job) => job.name.startsWith(`${parent}/jobs/`))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    const { slice, nextPageToken } = page(all, request.pageSize, request.pageToken);
    return { jobs: slice, nextPageToken };
  }

  updateJob(request: { job?: Partial<Job>; validateOnly?: boolean; allowMissing?: boolean }) {
    const input = request.job;
    if (!input) throw invalid('job is required');
    const name = required(input.name, 'job.name');
    const { project, location, job: jobId } = parseJobName(name, 'job.name');
    const current = this.jobs.get(name);
    if (!current) {
      if (!request.allowMissing) throw notFound(`Resource '${jobId}' of kind 'JOB' does not exist.`);
      return this.createJob({
        parent: `projects/${project}/locations/${location}`,
        jobId,
        job: { ...input, name },
        ...(request.validateOnly ? { validateOnly: true } : {}),
      });
    }
    // An etag in the request makes the update conditional: it must match the stored one.
    if (input.etag && input.etag !== current.etag) {
      throw aborted(`etag ${input.etag} does not match the current etag of job ${jobId}; read it again`);
    }
    this.checkJob(input);
    if (request.validateOnly) return this.operationFor('Job', name, { snapshot: current, store: false });
    const generation = String(Number(current.generation) + 1);
    const next: Job = {
      ...current,
      labels: { ...(input.labels ?? {}) },
      annotations: { ...(input.annotations ?? {}) },
      template: structuredClone(input.template!),
      generation,
      observedGeneration: generation,
      updateTime: timestamp(),
      lastModifier: CALLER,
      etag: etag(),
    };
    this.jobs.set(name, next);
    return this.operationFor('Job', name);
  }

  deleteJob(request: { name?: string; validateOnly?: boolean; etag?: string }) {
    const job = this.getJob(request);
    if (request.etag && request.etag !== job.etag) {
      throw aborted(
        `etag ${request.etag} does not match the current etag of job ${job.name.split('/').pop()}`,
      );
    }
    if (request.validateOnly) return this.operationFor('Job', job.name, { snapshot: job, store: false });
    this.jobs.delete(job.name);
    // Deleting a job deletes its executions (and stops the running ones).
    for (const execution of [...this.executions.values()]) {
      if (execution.job !== job.name.split('/').pop() || !execution.name.startsWith(`${job.name}/`)) continue;
      this.executions.delete(execution.name);
      this.tasks.delete(execution.name);
      for (const listener of this.listeners) listener(execution, 'deleted');
    }
    return this.operationFor('Job', job.name, { snapshot: job });
  }

  runJob(request: { name?: string; validateOnly?: boolean; etag?: string; overrides?: Overrides }) {
    const job = this.getJob(request);
    if (request.etag && request.etag !== job.etag) {
      throw aborted(
        `etag ${request.etag} does not match the current etag of job ${job.name.split('/').pop()}`,
      );
    }
    const template = this.applyOverrides(job, request.overrides);
    const taskCount = request.overrides?.taskCount || job.template.taskCount || 1;
    if (taskCount < 1 || taskCount > 10_000) throw invalid('overrides.task_count must be 1-10000');
    const jobId = job.name.split('/').pop()!;
    const executionId = `${jobId.slice(0, 57)}-${randomBytes(4).toString('hex').slice(0, 5)}`;
    const name = `${job.name}/executions/${executionId}`;
    const now = timestamp();
    const execution: Execution = {
      name,
      uid: randomUUID(),
      creator: CALLER,
      generation: '1',
      labels: {
        ...(job.template.labels ?? {}),
        'run.googleapis.com/job': jobId,
      },
      annotations: { ...(job.template.annotations ?? {}) },
      createTime: now,
      updateTime: now,
      launchStage: job.launchStage ?? 'GA',
      job: jobId,
      parallelism: job.template.parallelism ?? 0,
      taskCount,
      template,
      reconciling: true,
      conditions: [
        condition('Completed', 'CONDITION_PENDING'),
        condition('ResourcesAvailable', 'CONDITION_PENDING', { message: 'Provisioning resources.' }),
        condition('Started', 'CONDITION_PENDING'),
      ],
      observedGeneration: '1',
      runningCount: 0,
      succeededCount: 0,
      failedCount: 0,
      cancelledCount: 0,
      retriedCount: 0,
      logUri: `https://console.cloud.google.com/logs/viewer?resource=cloud_run_job/job_name/${jobId}`,
      etag: etag(),
    };
    if (request.validateOnly) return this.operationFor('Execution', name, { store: false, execution });
    this.executions.set(name, execution);
    this.tasks.set(
      name,
      Array.from({ length: taskCount }, (_, index) => this.newTask(execution, index)),
    );
    this.jobs.set(job.name, {
      ...job,
      executionCount: job.executionCount + 1,
      latestCreatedExecution: { name, createTime: now, completionStatus: 'EXECUTION_PENDING' },
    });
    return this.operationFor('Execution', name, { followsExecution: true });
  }

  // ---- Executions and tasks ----

  getExecution(request: { name?: string }): Execution {
    const name = required(request.name, 'name');
    parseExecutionName(name);
    const execution = this.executions.get(name);
    if (!execution) throw notFound(`Resource '${name.split('/').pop()}' of kind 'EXECUTION' does not exist.`);
    return execution;
  }

  listExecutions(request: { parent?: string; pageSize?: number; pageToken?: string }) {
    const parent = required(request.parent, 'parent');
    const jobPrefix = parent.endsWith('/jobs/-') ? parent.slice(0, -1) : undefined;
    if (!jobPrefix) {
      parseJobName(parent, 'parent');
      if (!this.jobs.has(parent))
        throw notFound(`Resource '${parent.split('/').pop()}' of kind 'JOB' does not exist.`);
    }
    // Newest first, as the service lists them.
    const all = [...this.executions.values()]
      .filter((e) => (jobPrefix ? e.name.startsWith(jobPrefix) : e.name.startsWith(`${parent}/executions/`)))
      .sort(
        (a, b) =>
          Number(b.createTime.seconds) - Number(a.createTime.seconds) ||
          b.createTime.nanos - a.createTime.nanos,
      );
    const { slice, nextPageToken } = page(all, request.pageSize, request.pageToken);
    return { executions: slice, nextPageToken };
  }

  cancelExecution(request: { name?: string; validateOnly?: boolean; etag?: string }) {
    const execution = this.getExecution(request);
    if (request.etag && request.etag !== execution.etag) throw aborted(`etag ${request.etag} does not match`);
    if (execution.completionTime) {
      throw failedPrecondition(
        `Execution ${execution.name.split('/').pop()} has already completed and cannot be cancelled.`,
      );
    }
    if (request.validateOnly) return this.operationFor('Execution', execution.name, { store: false });
    const cancelling = execution.conditions.find((c) => c.executionReason === 'CANCELLING');
    if (!cancelling) {
      setCondition(
        execution.conditions,
        condition('Completed', 'CONDITION_RECONCILING', {
          executionReason: 'CANCELLING',
          message: 'Cancelling the execution.',
        }),
      );
      this.touch(execution);
      setTimeout(() => this.finishCancel(execution.name), this.cancelDelayMs).unref();
    }
    return this.operationFor('Execution', execution.name);
  }

  listTasks(request: { parent?: string; pageSize?: number; pageToken?: string }) {
    const parent = required(request.parent, 'parent');
    parseExecutionName(parent, 'parent');
    const tasks = this.tasks.get(parent);
    if (!tasks) throw notFound(`Resource '${parent.split('/').pop()}' of kind 'EXECUTION' does not exist.`);
    const { slice, nextPageToken } = page(tasks, request.pageSize, request.pageToken);
    return { tasks: slice, nextPageToken };
  }

  // ---- Operations ----

  getOperation(request: { name?: string }): OperationMessage {
    const name = required(request.name, 'name');
    checkOperationName(name);
    const stored = this.operations.get(name);
    if (!stored) throw notFound(`Operation ${name} does not exist.`);
    if (stored.pollsLeft > 0) stored.pollsLeft--;
    return this.render(stored);
  }

  // ---- What the runtime does (not API methods) ----

  /** The container has started: the execution and its tasks are running. */
  markRunning(name: string): Execution {
    const execution = this.getExecution({ name });
    if (execution.completionTime || execution.startTime) return execution;
    const now = timestamp();
    execution.startTime = now;
    execution.runningCount = execution.taskCount;
    setCondition(execution.conditions, condition('ResourcesAvailable', 'CONDITION_SUCCEEDED'));
    setCondition(execution.conditions, condition('Started', 'CONDITION_SUCCEEDED'));
    setCondition(
      execution.conditions,
      condition('Completed', 'CONDITION_RECONCILING', { message: 'Running.' }),
    );
    for (const task of this.tasks.get(name) ?? []) {
      task.startTime = now;
      task.scheduledTime = now;
      setCondition(task.conditions, condition('Started', 'CONDITION_SUCCEEDED'));
      this.touchTask(task);
    }
    this.touch(execution);
    return execution;
  }

  /**
   * The task's container ended. `exitCode` undefined with `status` means the platform ended it (timeout).
   * The execution completes once every task has (the fake runs every task of an execution alike).
   */
  finishTask(
    name: string,
    result: { exitCode?: number; status?: { code: number; message: string }; message?: string },
  ): void {
    const execution = this.executions.get(name);
    if (!execution || execution.completionTime) return;
    const now = timestamp();
    const tasks = this.tasks.get(name) ?? [];
    const failed = result.exitCode !== 0 || result.status !== undefined;
    for (const task of tasks) {
      task.completionTime = now;
      task.lastAttemptResult = {
        ...(result.exitCode !== undefined ? { exitCode: result.exitCode } : {}),
        status:
          result.status ??
          (failed ? { code: 2, message: 'The container exited with an error.' } : { code: 0, message: '' }),
      };
      setCondition(
        task.conditions,
        condition('Completed', failed ? 'CONDITION_FAILED' : 'CONDITION_SUCCEEDED', {
          ...(failed
            ? {
                message:
                  result.message ?? `The container exited with an error (exit code ${result.exitCode}).`,
              }
            : {}),
        }),
      );
      this.touchTask(task);
    }
    execution.runningCount = 0;
    execution.completionTime = now;
    execution.reconciling = false;
    if (failed) {
      execution.failedCount = tasks.length;
      setCondition(
        execution.conditions,
        condition('Completed', 'CONDITION_FAILED', {
          severity: 'ERROR',
          executionReason: result.status ? 'EXECUTION_REASON_UNDEFINED' : 'NON_ZERO_EXIT_CODE',
          message:
            result.message ??
            `Task ${tasks[0]?.name.split('/').pop()} failed with exit code ${result.exitCode}.`,
        }),
      );
    } else {
      execution.succeededCount = tasks.length;
      setCondition(
        execution.conditions,
        condition('Completed', 'CONDITION_SUCCEEDED', { message: 'Execution completed successfully.' }),
      );
    }
    this.touch(execution);
    this.updateLatest(execution, failed ? 'EXECUTION_FAILED' : 'EXECUTION_SUCCEEDED');
  }

  /** Drops an execution as if it had been garbage collected (past the 1000 kept per job). */
  forget(name: string): void {
    const execution = this.executions.get(name);
    this.executions.delete(name);
    this.tasks.delete(name);
    if (execution) for (const listener of this.listeners) listener(execution, 'deleted');
  }

  private finishCancel(name: string): void {
    const execution = this.executions.get(name);
    if (!execution || execution.completionTime) return;
    const now = timestamp();
    const tasks = this.tasks.get(name) ?? [];
    let cancelled = 0;
    for (const task of tasks) {
      if (task.completionTime) continue;
      cancelled++;
      task.completionTime = now;
      setCondition(
        task.conditions,
        condition('Completed', 'CONDITION_FAILED', { message: 'The task was cancelled.' }),
      );
      this.touchTask(task);
    }
    execution.cancelledCount = cancelled;
    execution.runningCount = 0;
    execution.completionTime = now;
    execution.reconciling = false;
    // The service does not document the state of `Completed` for a cancelled execution; the fake reports the
    // reading that trips adapters which look at the state alone: SUCCEEDED, with the CANCELLED reason beside it.
    setCondition(
      execution.conditions,
      condition('Completed', 'CONDITION_SUCCEEDED', {
        executionReason: 'CANCELLED',
        message: 'The execution was cancelled.',
      }),
    );
    this.touch(execution);
    this.updateLatest(execution, 'EXECUTION_CANCELLED');
    for (const listener of this.listeners) listener(execution, 'cancelled');
  }

  private updateLatest(execution: Execution, status: string): void {
    const jobName = execution.name.split('/executions/')[0]!;
    const job = this.jobs.get(jobName);
    if (job?.latestCreatedExecution?.name === execution.name) {
      job.latestCreatedExecution = {
        ...job.latestCreatedExecution,
        completionStatus: status,
        ...(execution.completionTime ? { completionTime: execution.completionTime } : {}),
      };
    }
  }

  private checkJob(input: Partial<Job>): void {
    checkLabels(input.labels, 'job.labels');
    checkAnnotations(input.annotations, 'job.annotations');
    checkExecutionTemplate(input.template);
  }

  /** The execution's task template: the job's, with the run's container overrides applied. */
  private applyOverrides(job: Job, overrides: Overrides | undefined): TaskTemplate {
    const template = structuredClone(job.template.template!);
    const containers: Container[] = template.containers ?? [];
    for (const override of overrides?.containerOverrides ?? []) {
      const container = override.name ? containers.find((c) => c.name === override.name) : containers[0];
      if (!container)
        throw invalid(`overrides.container_overrides: no container named "${override.name}" in the job`);
      checkEnv(override.env, 'overrides.container_overrides.env');
      if (override.clearArgs) {
        if (override.args?.length) throw invalid('overrides.container_overrides: clear_args with args');
        container.args = [];
      } else if (override.args?.length) {
        container.args = [...override.args];
      }
      if (override.env?.length) {
        const env = [...(container.env ?? [])];
        for (const variable of override.env) {
          const index = env.findIndex((e) => e.name === variable.name);
          if (index >= 0) env[index] = variable;
          else env.push(variable);
        }
        if (env.length > 1000) throw invalid('overrides: at most 1000 environment variables per container');
        container.env = env;
      }
    }
    if (overrides?.timeout) {
      checkTimeout(overrides.timeout, 'overrides.timeout');
      template.timeout = overrides.timeout;
    }
    return template;
  }

  private newTask(execution: Execution, index: number): Task {
    const now = timestamp();
    return {
      name: `${execution.name}/tasks/${execution.name.split('/').pop()}-task${index}`,
      uid: randomUUID(),
      generation: '1',
      labels: { ...execution.labels },
      annotations: {},
      createTime: now,
      updateTime: now,
      job: execution.job,
      execution: execution.name.split('/').pop()!,
      containers: structuredClone(execution.template.containers ?? []),
      maxRetries: execution.template.maxRetries ?? 3,
      ...(execution.template.timeout ? { timeout: execution.template.timeout } : {}),
      ...(execution.template.serviceAccount ? { serviceAccount: execution.template.serviceAccount } : {}),
      reconciling: true,
      conditions: [condition('Started', 'CONDITION_PENDING')],
      observedGeneration: '1',
      index,
      retried: 0,
      logUri: execution.logUri,
      etag: etag(),
    };
  }

  private touch(execution: Execution): void {
    execution.updateTime = timestamp();
    execution.etag = etag();
  }

  private touchTask(task: Task): void {
    task.updateTime = timestamp();
    task.etag = etag();
    task.reconciling = !task.completionTime;
  }

  private operationFor(
    kind: 'Job' | 'Execution',
    target: string,
    options: { snapshot?: Job; store?: boolean; followsExecution?: boolean; execution?: Execution } = {},
  ): OperationMessage {
    const { project, location } = parseParent(target.split('/').slice(0, 4).join('/'));
    const stored: StoredOperation = {
      name: `projects/${project}/locations/${location}/operations/${randomUUID()}`,
      kind,
      target,
      ...(options.snapshot ? { snapshot: options.snapshot } : {}),
      // Short operations report done on the first poll, as the service does once it has reconciled.
      pollsLeft: 1,
      followsExecution: options.followsExecution ?? false,
    };
    if (options.store !== false) this.operations.set(stored.name, stored);
    if (options.execution) {
      const packed = packRun('Execution', options.execution as unknown as Record<string, unknown>);
      return { name: stored.name, metadata: packed, done: false };
    }
    return this.render(stored, true);
  }

  private render(stored: StoredOperation, first = false): OperationMessage {
    if (stored.kind === 'Execution') {
      const execution = this.executions.get(stored.target);
      if (!execution)
        return {
          name: stored.name,
          metadata: packRun('Execution', {}),
          done: true,
          error: { code: 5, message: 'The execution was deleted.' },
        };
      const packed = packRun('Execution', execution as unknown as Record<string, unknown>);
      const done = stored.followsExecution
        ? Boolean(execution.completionTime)
        : !first && stored.pollsLeft === 0;
      if (!done) return { name: stored.name, metadata: packed, done: false };
      if (execution.failedCount > 0) {
        const message =
          execution.conditions.find((c) => c.type === 'Completed')?.message ?? 'The execution failed.';
        return { name: stored.name, metadata: packed, done: true, error: { code: 9, message } };
      }
      // A cancelled execution ends its operation without an error, like a successful one.
      return { name: stored.name, metadata: packed, done: true, response: packed };
    }
    const job = this.jobs.get(stored.target) ?? stored.snapshot;
    const packed = packRun('Job', (job ?? {}) as unknown as Record<string, unknown>);
    const done = !first && stored.pollsLeft === 0;
    return done
      ? { name: stored.name, metadata: packed, done: true, response: packed }
      : { name: stored.name, metadata: packed, done: false };
  }
}
