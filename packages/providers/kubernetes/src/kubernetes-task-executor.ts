import { setTimeout as sleep } from 'node:timers/promises';
import { PatchStrategy, type V1Job, type V1Pod } from '@kubernetes/client-node';
import {
  ConflictError,
  checkStartCapabilities,
  checkStopCapabilities,
  isFinalStatus,
  type KillTaskOptions,
  NotFoundError,
  type OperationOptions,
  ProviderError,
  type TaskDescription,
  type TaskExecutor,
  type TaskExecutorCapabilities,
  type TaskStartRequest,
  type TaskStartResult,
  ValidationError,
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
import { containerStatus, currentPod, describeJob, failedToStartReason } from './job-status.js';
import { kubernetesCall } from './kubernetes-call.js';
import type { KubernetesClients } from './kubernetes-clients.js';
import { isStatus, PROVIDER, translateKubernetesError } from './kubernetes-errors.js';
import type { KubernetesOptions } from './kubernetes-options.js';
import { attachStdin } from './pod-attach.js';

/**
 * The shortest grace a kubelet gives a container: it stops every container with at least 2 s between
 * the stop signal and SIGKILL (`minimumGracePeriodInSeconds` in kuberuntime, applied after any
 * override), so a kill asking for 0 or 1 s would get SIGTERM and 2 s anyway.
 */
export const KUBELET_MINIMUM_GRACE_SECONDS = 2;

const EXECUTION_ID = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * Runs each execution as a `batch/v1` Job in the configured namespace; the execution id is the Job name.
 *
 * - start: one create of the Job (plus, with secrets, the Secret before it and its owner reference after,
 *   so the Secret goes with the Job). The Job name is derived from the idempotency key, so a retried
 *   start meets AlreadyExists and reads the existing Job back instead of creating a second one.
 * - kill: annotates the Job (`taskport.dev/stop-requested-at`) and shortens `activeDeadlineSeconds`, so
 *   the Job controller stops the pod (SIGTERM, then SIGKILL after the pod's terminationGracePeriodSeconds)
 *   and the Job ends Failed/DeadlineExceeded - read back as STOPPED / USER_INITIATED thanks to the
 *   annotation, and kept for `jobRetentionSeconds` like any finished Job. With `gracePeriodSeconds` (2 s or
 *   more, see KUBELET_MINIMUM_GRACE_SECONDS) the pods are deleted with that grace first - the kubelet
 *   honours a deletion's grace, and the Job controller's own deletion, which comes later, cannot replace
 *   it - then the deadline ends the Job as above. A second kill changes nothing: the first grace stands.
 * - attachStdin: a stdin-only `pods/attach` WebSocket to the task's running container (started with
 *   `stdin` + `stdinOnce`), claimed once per task by an annotation on the Job.
 * - describe: the Job and its pods (see `describeJob`).
 */
export class KubernetesTaskExecutor implements TaskExecutor {
  readonly provider = PROVIDER;
  readonly capabilities: TaskExecutorCapabilities = {
    killWhileStarting: true,
    nativeTimeout: true,
    runsImages: true,
    workingDir: true,
    stdin: true,
    // The kubelet sends the image's STOPSIGNAL (SIGTERM by default); no API chooses it per kill.
    stopSignal: false,
    // From KUBELET_MINIMUM_GRACE_SECONDS up: a shorter grace is a ValidationError (see killTask).
    stopGracePeriod: true,
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
    const stop = validateStopOptions(options);
    checkStopCapabilities(this, stop, { provider: PROVIDER, operation });
    const grace = stop.gracePeriodSeconds;
    if (grace !== undefined && grace < KUBELET_MINIMUM_GRACE_SECONDS) {
      throw new ValidationError(
        `the kubernetes executor cannot kill with a grace period of ${grace} s: the kubelet always gives a container at least ${KUBELET_MINIMUM_GRACE_SECONDS} s between SIGTERM and SIGKILL; ask for ${KUBELET_MINIMUM_GRACE_SECONDS} or more, or drop it (kill --grace) for the pod's terminationGracePeriodSeconds`,
        {
          provider: PROVIDER,
          operation,
          details: {
            field: 'gracePeriodSeconds',
            executor: PROVIDER,
            minimum: KUBELET_MINIMUM_GRACE_SECONDS,
          },
        },
      );
    }
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
      // A stop under way keeps its grace: the API server would take a shorter one, but the kubelet
      // (1.36 on containerd) goes on waiting out the grace its stop began with.
      if (job.metadata?.annotations?.[ANNOTATIONS.stopRequestedAt]) return;
      const annotations = {
        [ANNOTATIONS.stopRequestedAt]: new Date().toISOString(),
        ...(grace !== undefined ? { [ANNOTATIONS.stopGracePeriodSeconds]: String(grace) } : {}),
      };
      try {
        if (grace === undefined) {
          await this.endJob(job, annotations, operation, options.signal);
          return;
        }
        // First the annotations (conditional, so a kill is recorded once), then the pods with the chosen
        // grace, and only then the deadline: had the Job controller deleted the pods first (it does so
        // for a passed deadline, with the pod's own grace), a longer grace could no longer replace it.
        await this.patchJob(job, { metadata: { annotations } }, operation, options.signal);
        await this.deletePods(executionId, grace, operation, options.signal);
        // Ends a Job whose pod was not made yet; one already deleted keeps the grace it got.
        await this.endJob(job, {}, operation, options.signal, false);
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

  /** Deletes the Job's pods with `grace` seconds between the stop signal and SIGKILL (gone ones are fine). */
  private async deletePods(executionId: string, grace: number, operation: string, signal?: AbortSignal) {
    const { namespace } = this.options;
    const pods = await kubernetesCall(
      operation,
      (o) =>
        this.clients.core.listNamespacedPod(
          { namespace, labelSelector: `${LABELS.jobName}=${executionId}` },
          o,
        ),
      { signal, retry: this.options.retry, what: `pods of Job ${executionId}` },
    );
    await Promise.all(
      pods.items.map(async (pod) => {
        const name = pod.metadata?.name;
        if (!name) return;
        await kubernetesCall(
          operation,
          (o) =>
            this.clients.core.deleteNamespacedPod(
              { name, namespace, gracePeriodSeconds: grace, propagationPolicy: 'Background' },
              o,
            ),
          { signal, retry: this.options.retry, what: `pod ${namespace}/${name}` },
        ).catch((error) => {
          if (!NotFoundError.isInstance(error)) throw error;
        });
      }),
    );
  }

  /**
   * Sends `input` to the stdin of a task started with `interactive: true`, then closes it: claims the
   * task's one attach (an annotation on the Job, conditional on what was read, so two callers cannot
   * both attach), waits for its container to run, then attaches through `pods/attach`.
   */
  async attachStdin(
    executionId: string,
    input: AsyncIterable<Uint8Array>,
    options: OperationOptions = {},
  ): Promise<void> {
    const operation = 'TaskExecutor.attachStdin';
    this.checkId(executionId, operation);
    options.signal?.throwIfAborted();
    const { namespace, containerName } = this.options;
    const refuse = (why: string) =>
      new ConflictError(`task ${executionId} ${why}`, { provider: PROVIDER, operation });
    const finished = (status: string) =>
      isFinalStatus(status as TaskDescription['status']) || status === 'TERMINATING';
    let claimed = false;
    for (let attempt = 0; attempt < 5 && !claimed; attempt++) {
      const { job, description } = await this.read(executionId, operation, options.signal);
      const container = job.spec?.template?.spec?.containers?.find((c) => c.name === containerName);
      if (container?.stdin !== true) {
        throw refuse('was not started interactive; its stdin is closed');
      }
      if (job.metadata?.annotations?.[ANNOTATIONS.stdinAttachedAt]) {
        throw refuse('already had its input (one attachStdin per task)');
      }
      if (finished(description.status)) throw refuse(`has already finished (${description.status})`);
      try {
        await this.patchJob(
          job,
          { metadata: { annotations: { [ANNOTATIONS.stdinAttachedAt]: new Date().toISOString() } } },
          operation,
          options.signal,
        );
        claimed = true;
      } catch (error) {
        if (!ConflictError.isInstance(error)) throw error;
      }
    }
    if (!claimed) throw refuse('kept changing while its stdin was being attached; try again');

    // The runtime attaches only to a running container; until then its stdin waits, open.
    let pod: string | undefined;
    for (;;) {
      const { pods, description } = await this.read(executionId, operation, options.signal);
      if (finished(description.status)) throw refuse(`has already finished (${description.status})`);
      const current = currentPod(pods);
      if (containerStatus(current, containerName)?.state?.running && current?.metadata?.name) {
        pod = current.metadata.name;
        break;
      }
      await sleep(250, undefined, { signal: options.signal });
    }

    const what = `pods/attach of ${namespace}/${pod}`;
    let outcome: Awaited<ReturnType<typeof attachStdin>>;
    try {
      outcome = await attachStdin(
        this.clients.kubeConfig,
        { namespace, pod, container: containerName },
        input,
        options.signal,
      );
    } catch (error) {
      throw translateKubernetesError(error, operation, what);
    }
    if (outcome.status?.status === 'Failure') {
      const { description } = await this.read(executionId, operation, options.signal);
      // The task ended while the input was on its way: it stopped reading, which is no error.
      if (finished(description.status)) return;
      throw new ProviderError(
        `${what}: the attach failed: ${outcome.status.message ?? outcome.status.reason ?? 'no reason given'}`,
        { provider: PROVIDER, operation },
      );
    }
  }

  /**
   * Annotates the Job and shortens its deadline to what it has already run, so the Job controller ends it
   * now (pods get SIGTERM, then SIGKILL after the grace period). Conditional on the resourceVersion read,
   * unless `conditional` is false (a kill that has already recorded itself).
   */
  private async endJob(
    job: V1Job,
    annotations: Record<string, string>,
    operation: string,
    signal?: AbortSignal,
    conditional = true,
  ) {
    const started = job.status?.startTime ? new Date(job.status.startTime).getTime() : Date.now();
    const ranSeconds = Math.max(1, Math.floor((Date.now() - started) / 1000));
    const deadline = Math.min(job.spec?.activeDeadlineSeconds ?? ranSeconds, ranSeconds);
    await this.patchJob(
      job,
      {
        metadata: Object.keys(annotations).length > 0 ? { annotations } : {},
        spec: { activeDeadlineSeconds: deadline },
      },
      operation,
      signal,
      conditional,
    );
  }

  /** A merge patch of the Job, by default conditional on the resourceVersion read (a stale read is a ConflictError). */
  private async patchJob(
    job: V1Job,
    body: { metadata?: { annotations?: Record<string, string> }; spec?: { activeDeadlineSeconds: number } },
    operation: string,
    signal?: AbortSignal,
    conditional = true,
  ) {
    await kubernetesCall(
      operation,
      (o) =>
        this.clients.batch.patchNamespacedJob(
          {
            name: job.metadata!.name!,
            namespace: this.options.namespace,
            body: {
              ...body,
              metadata: {
                ...body.metadata,
                ...(conditional ? { resourceVersion: job.metadata!.resourceVersion! } : {}),
              },
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
