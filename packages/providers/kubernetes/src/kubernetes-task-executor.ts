import { PatchStrategy, type V1Job, type V1Pod } from '@kubernetes/client-node';
import {
  ConflictError,
  checkStartCapabilities,
  checkStopCapabilities,
  isFinalStatus,
  type KillTaskOptions,
  NotFoundError,
  type OperationOptions,
  type TaskDescription,
  type TaskExecutor,
  type TaskExecutorCapabilities,
  type TaskStartRequest,
  type TaskStartResult,
  validateStopOptions,
  validateTaskStartRequest,
} from '@taskport/core';
import {
  ANNOTATIONS,
  buildJob,
  buildSecret,
  fingerprintOf,
  jobNameFor,
  LABELS,
  splitSecrets,
  validateForKubernetes,
} from './job-spec.js';
import { describeJob, failedToStartReason } from './job-status.js';
import { kubernetesCall } from './kubernetes-call.js';
import type { KubernetesClients } from './kubernetes-clients.js';
import { isStatus, PROVIDER, translateKubernetesError } from './kubernetes-errors.js';
import type { KubernetesOptions } from './kubernetes-options.js';

const EXECUTION_ID = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * Runs each execution as a `batch/v1` Job in the configured namespace; the execution id is the Job name.
 *
 * - start: one create of the Job (plus, with secrets, the Secret before it and its owner reference after,
 *   so the Secret goes with the Job). The Job name is derived from the idempotency key, so a retried
 *   start meets AlreadyExists and reads the existing Job back instead of creating a second one.
 * - kill: annotates the Job (`taskport.dev/stop-requested-at`) and shortens `activeDeadlineSeconds`, so
 *   the Job controller stops the pod (SIGTERM, then SIGKILL after the grace period) and the Job ends
 *   Failed/DeadlineExceeded - read back as STOPPED / USER_INITIATED thanks to the annotation, and kept
 *   for `jobRetentionSeconds` like any finished Job.
 * - describe: the Job and its pods (see `describeJob`).
 */
export class KubernetesTaskExecutor implements TaskExecutor {
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

  constructor(
    private readonly options: KubernetesOptions,
    private readonly clients: KubernetesClients,
  ) {}

  async startTask(
    userEmail: string,
    request: TaskStartRequest,
    options: OperationOptions = {},
  ): Promise<TaskStartResult> {
    const operation = 'TaskExecutor.startTask';
    const normalised = validateTaskStartRequest(userEmail, request, { provider: PROVIDER, operation });
    checkStartCapabilities(this, normalised, { provider: PROVIDER, operation });
    const serviceAccount = request.image.taskRole ?? this.options.serviceAccount;
    validateForKubernetes(request.image, serviceAccount, operation);
    options.signal?.throwIfAborted();

    const fingerprint = fingerprintOf(userEmail, normalised, request.image);
    const name = jobNameFor(this.options, normalised.idempotencyKey, fingerprint);
    const job = buildJob(this.options, {
      name,
      userEmail,
      request: normalised,
      image: request.image,
      requestId: request.requestId,
      fingerprint,
    });
    const { namespace } = this.options;
    const ownSecrets = splitSecrets(normalised.secrets).values;
    const hasSecrets = Object.keys(ownSecrets).length > 0;
    const call = <T>(what: string, fn: Parameters<typeof kubernetesCall<T>>[1], contentType?: string) =>
      kubernetesCall(operation, fn, {
        signal: options.signal,
        what,
        retry: this.options.retry,
        raw: true,
        ...(contentType ? { contentType } : {}),
      });

    try {
      if (hasSecrets) {
        // Before the Job, so its pod never waits for a missing Secret.
        await call('create the Secret', (o) =>
          this.clients.core.createNamespacedSecret(
            { namespace, body: buildSecret(this.options, name, ownSecrets) },
            o,
          ),
        ).catch((error) => {
          // A retried start (same key) already made it; the fingerprint check below decides whether that is fine.
          if (!isStatus(error, 409)) throw error;
        });
      }
      let created: V1Job;
      try {
        created = await call('create the Job', (o) =>
          this.clients.batch.createNamespacedJob({ namespace, body: job }, o),
        );
      } catch (error) {
        if (!isStatus(error, 409)) throw error;
        created = await this.readBack(name, fingerprint, operation, options.signal);
      }
      if (hasSecrets && created.metadata?.uid) {
        await call(
          'hand the Secret to the Job',
          (o) =>
            this.clients.core.patchNamespacedSecret(
              {
                namespace,
                name: `${name}-env`,
                body: {
                  metadata: {
                    ownerReferences: [
                      {
                        apiVersion: 'batch/v1',
                        kind: 'Job',
                        name,
                        uid: created.metadata!.uid!,
                        blockOwnerDeletion: false,
                      },
                    ],
                  },
                },
              },
              o,
            ),
          PatchStrategy.MergePatch,
        );
      }
      const createdAt = created.metadata?.creationTimestamp;
      return { executionId: name, ...(createdAt ? { createdAt: new Date(createdAt).toISOString() } : {}) };
    } catch (error) {
      throw translateKubernetesError(error, operation, `Job ${namespace}/${name}`);
    }
  }

  /** The Job a previous start with the same idempotency key created, if it asked for the same thing. */
  private async readBack(
    name: string,
    fingerprint: string,
    operation: string,
    signal?: AbortSignal,
  ): Promise<V1Job> {
    const existing = await kubernetesCall(
      operation,
      (o) => this.clients.batch.readNamespacedJob({ name, namespace: this.options.namespace }, o),
      { signal, retry: this.options.retry, raw: true },
    );
    const theirs = existing.metadata?.annotations?.[ANNOTATIONS.fingerprint];
    if (theirs !== fingerprint) {
      throw new ConflictError(
        `idempotency key already used for a different request (Job ${this.options.namespace}/${name}); use a new key for a new command`,
        { provider: PROVIDER, operation },
      );
    }
    return existing;
  }

  async killTask(executionId: string, options: KillTaskOptions = {}): Promise<void> {
    const operation = 'TaskExecutor.killTask';
    checkStopCapabilities(this, validateStopOptions(options), { provider: PROVIDER, operation });
    this.checkId(executionId, operation);
    options.signal?.throwIfAborted();
    for (let attempt = 0; attempt < 5; attempt++) {
      const { job, description } = await this.read(executionId, operation, options.signal);
      if (isFinalStatus(description.status)) {
        throw new ConflictError(`task ${executionId} has already finished (${description.status})`, {
          provider: PROVIDER,
          operation,
        });
      }
      if (job.metadata?.annotations?.[ANNOTATIONS.stopRequestedAt]) return;
      try {
        await this.endJob(
          job,
          { [ANNOTATIONS.stopRequestedAt]: new Date().toISOString() },
          operation,
          options.signal,
        );
        return;
      } catch (error) {
        // Someone changed the Job since we read it (the Job controller does often): read again.
        if (!ConflictError.isInstance(error)) throw error;
      }
    }
    throw new ConflictError(`task ${executionId} kept changing while it was being killed; try again`, {
      provider: PROVIDER,
      operation,
    });
  }

  /**
   * Annotates the Job and shortens its deadline to what it has already run, so the Job controller ends it
   * now (pods get SIGTERM, then SIGKILL after the grace period). Conditional on the resourceVersion read.
   */
  private async endJob(
    job: V1Job,
    annotations: Record<string, string>,
    operation: string,
    signal?: AbortSignal,
  ) {
    const started = job.status?.startTime ? new Date(job.status.startTime).getTime() : Date.now();
    const ranSeconds = Math.max(1, Math.floor((Date.now() - started) / 1000));
    const deadline = Math.min(job.spec?.activeDeadlineSeconds ?? ranSeconds, ranSeconds);
    await kubernetesCall(
      operation,
      (o) =>
        this.clients.batch.patchNamespacedJob(
          {
            name: job.metadata!.name!,
            namespace: this.options.namespace,
            body: {
              metadata: { resourceVersion: job.metadata!.resourceVersion!, annotations },
              spec: { activeDeadlineSeconds: deadline },
            },
          },
          o,
        ),
      {
        signal,
        retry: this.options.retry,
        what: `Job ${job.metadata?.name}`,
        contentType: PatchStrategy.MergePatch,
      },
    );
  }

  async describeTask(executionId: string, options: OperationOptions = {}): Promise<TaskDescription> {
    const operation = 'TaskExecutor.describeTask';
    this.checkId(executionId, operation);
    options.signal?.throwIfAborted();
    const { job, pods, description } = await this.read(executionId, operation, options.signal);
    if (description.status !== 'STARTING') return description;
    // A pod that can never start (bad image, missing pull secret) is FAILED_TO_START now, not after the
    // deadline; the Job is ended so it does not hold on to a node slot and the answer stays the same.
    const reason = failedToStartReason(pods[0], this.options.containerName);
    if (!reason) return description;
    try {
      await this.endJob(
        job,
        { [ANNOTATIONS.failedToStart]: reason.slice(0, 1000) },
        operation,
        options.signal,
      );
    } catch (error) {
      if (!ConflictError.isInstance(error)) throw error;
    }
    return (await this.read(executionId, operation, options.signal)).description;
  }

  /**
   * Many tasks in two label-selected lists per 100 ids (their Jobs, then their pods), instead of two
   * calls per task. Unknown ids are absent from the map. Read-only: unlike describeTask it does not end
   * a Job whose pod cannot start (that task reads FAILED_TO_START from its waiting reason either way).
   */
  async describeTasks(
    executionIds: readonly string[],
    options: OperationOptions = {},
  ): Promise<Map<string, TaskDescription>> {
    const operation = 'TaskExecutor.describeTasks';
    options.signal?.throwIfAborted();
    const result = new Map<string, TaskDescription>();
    const ids = [...new Set(executionIds)].filter((id) => typeof id === 'string' && EXECUTION_ID.test(id));
    const { namespace } = this.options;
    for (let start = 0; start < ids.length; start += 100) {
      const chunk = ids.slice(start, start + 100).join(',');
      const [jobs, pods] = await Promise.all([
        kubernetesCall(
          operation,
          (o) =>
            this.clients.batch.listNamespacedJob(
              { namespace, labelSelector: `${LABELS.managedBy}=taskport,${LABELS.execution} in (${chunk})` },
              o,
            ),
          { signal: options.signal, retry: this.options.retry, what: `Jobs in ${namespace}` },
        ),
        kubernetesCall(
          operation,
          (o) =>
            this.clients.core.listNamespacedPod(
              { namespace, labelSelector: `${LABELS.jobName} in (${chunk})` },
              o,
            ),
          { signal: options.signal, retry: this.options.retry, what: `pods in ${namespace}` },
        ),
      ]);
      for (const job of jobs.items) {
        const name = job.metadata?.name;
        if (!name) continue;
        const own = pods.items.filter((pod) => pod.metadata?.labels?.[LABELS.jobName] === name);
        result.set(name, describeJob(job, own, this.options.containerName));
      }
    }
    return result;
  }

  private async read(executionId: string, operation: string, signal?: AbortSignal) {
    const { namespace } = this.options;
    const job = await kubernetesCall(
      operation,
      (o) => this.clients.batch.readNamespacedJob({ name: executionId, namespace }, o),
      { signal, retry: this.options.retry, what: `Job ${namespace}/${executionId}` },
    ).catch((error) => {
      if (NotFoundError.isInstance(error)) {
        throw new NotFoundError(
          `no task ${executionId} in namespace ${namespace} (finished Jobs are removed after jobRetentionSeconds)`,
          { provider: PROVIDER, operation, cause: error },
        );
      }
      throw error;
    });
    if (job.metadata?.labels?.[LABELS.managedBy] !== 'taskport') {
      throw new NotFoundError(`Job ${namespace}/${executionId} was not started by taskport`, {
        provider: PROVIDER,
        operation,
      });
    }
    const pods: V1Pod[] = (
      await kubernetesCall(
        operation,
        (o) =>
          this.clients.core.listNamespacedPod(
            { namespace, labelSelector: `${LABELS.jobName}=${executionId}` },
            o,
          ),
        { signal, retry: this.options.retry, what: `pods of Job ${executionId}` },
      )
    ).items;
    return { job, pods, description: describeJob(job, pods, this.options.containerName) };
  }

  private checkId(executionId: string, operation: string) {
    if (typeof executionId !== 'string' || !EXECUTION_ID.test(executionId)) {
      throw new NotFoundError(`"${String(executionId)}" is not a Kubernetes task id (a Job name)`, {
        provider: PROVIDER,
        operation,
      });
    }
  }
}
