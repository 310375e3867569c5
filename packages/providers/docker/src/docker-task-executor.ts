import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import {
  ConflictError,
  checkStartCapabilities,
  checkStopCapabilities,
  commandArgv,
  isFinalStatus,
  type KillTaskOptions,
  NotFoundError,
  type OperationOptions,
  ProviderError,
  type StopSignal,
  startIdempotencyToken,
  type TaskDescription,
  type TaskExecutor,
  type TaskExecutorCapabilities,
  type TaskStartRequest,
  type TaskStartResult,
  ValidationError,
  validateStopOptions,
  validateTaskStartRequest,
} from '@taskport/core';
import { inputUntil } from '@taskport/provider-utils';
import { containerCreateBody } from './container-config.js';
import { type ContainerInspect, describeContainer, EXECUTION_ID, LABELS } from './container-state.js';
import { DockerEngine } from './docker-engine.js';
import { engineError, hasStatus, PROVIDER } from './docker-errors.js';
import { engineReference, ensureImage, type ImageInspect, pullImage } from './docker-images.js';
import { type DockerOptions, type DockerOptionsInput, parseDockerOptions } from './docker-options.js';
import { encodeSecrets, SECRETS_FEEDER } from './secrets-stdin.js';
import {
  claimStdin,
  hasTaskRecord,
  readStopIntent,
  recordStopIntent,
  releaseStdin,
  removeTaskRecords,
  type StopIntent,
  timeoutReason,
  writeTaskRecord,
} from './task-records.js';
import type { WatchdogArguments } from './watchdog-arguments.js';

/** What the executor may be given: any of the options (the rest default), and an engine client to share. */
export interface DockerClients {
  engine?: DockerEngine;
}

/** How a stop is carried out: the first signal (none = the container's stop signal) and the grace before SIGKILL. */
interface StopHow {
  signal?: StopSignal;
  graceSeconds: number;
}

/** The result of `prune`. */
export interface PruneResult {
  /** Task containers looked at. */
  checked: number;
  /** Containers removed (finished, and past retention). */
  removed: string[];
  /** Running containers past their deadline that were stopped. */
  timedOut: string[];
}

/**
 * Runs each task as a container on a Docker (or Podman) engine through the Engine API: one container per
 * execution, named after the idempotency key (or at random), labelled `taskport.*`, with the engine's
 * init as PID 1 so signals reach the command. Every fact a later read needs is in the engine itself (the
 * container, its labels, and two small record volumes, see task-records.ts), so any process that reaches
 * the engine can describe or kill a task another process started.
 */
export class DockerTaskExecutor implements TaskExecutor {
  readonly provider = PROVIDER;
  readonly capabilities: TaskExecutorCapabilities = {
    killWhileStarting: true,
    // A detached watchdog process stops the container at its deadline, whether or not the starting
    // process is still there; reads and `prune` stop overdue ones too.
    nativeTimeout: true,
    runsImages: true,
    // Container WorkingDir (`docker run --workdir`).
    workingDir: true,
    // OpenStdin + StdinOnce, and attachStdin through the engine's attach.
    stdin: true,
    // `POST /kill?signal=`, then SIGKILL after the grace.
    stopSignal: true,
    // `POST /stop?t=` (or the wait above); 0 is `POST /kill`.
    stopGracePeriod: true,
  };
  readonly options: DockerOptions;
  readonly engine: DockerEngine;
  private readonly ownsEngine: boolean;

  constructor(options: DockerOptionsInput = {}, clients: DockerClients = {}) {
    this.options = parseDockerOptions(options, process.env);
    this.ownsEngine = clients.engine === undefined;
    this.engine =
      clients.engine ??
      new DockerEngine({
        host: this.options.host,
        apiVersion: this.options.apiVersion,
        tls: this.options.tls,
        ...(this.options.certPath ? { certPath: this.options.certPath } : {}),
        requestTimeoutMs: this.options.requestTimeoutMs,
      });
  }

  async startTask(
    userEmail: string,
    request: TaskStartRequest,
    options: OperationOptions = {},
  ): Promise<TaskStartResult> {
    const operation = 'TaskExecutor.startTask';
    const { signal } = options;
    signal?.throwIfAborted();
    const valid = validateTaskStartRequest(userEmail, request, { provider: PROVIDER, operation });
    checkStartCapabilities(this, valid, { provider: PROVIDER, operation });
    for (const key of Object.keys(valid.labels)) {
      if (key.startsWith('taskport.')) {
        throw new ValidationError(`label "${key}" uses the reserved prefix "taskport."; rename it`, {
          provider: PROVIDER,
          operation,
          details: { field: `labels.${key}` },
        });
      }
    }
    const image = request.image;
    const reference = engineReference(image, operation);
    if (!Number.isInteger(image.memory) || image.memory < 6) {
      throw new ValidationError(`memory ${image.memory} MiB is below the engine's minimum of 6 MiB`, {
        provider: PROVIDER,
        operation,
        details: { field: 'memory' },
      });
    }
    // A key means one request of one user: the name covers the user, the key and the request's fingerprint,
    // so another user's key, or the same key with another command, never meets this container.
    const token = startIdempotencyToken(userEmail, request);
    const name = token ? `taskport-${token.slice(0, 32)}` : `taskport-${randomBytes(16).toString('hex')}`;
    const argv = commandArgv(valid.command);
    const secretNames = Object.keys(valid.secrets);
    const interactive = valid.interactive === true;
    // Secrets by the prelude: on stdin, or for an interactive task through a pipe (see secrets-stdin.ts).
    const byPrelude = secretNames.length > 0 && this.options.secrets === 'stdin';
    const fingerprint = createHash('sha256')
      .update(
        JSON.stringify([
          argv,
          reference,
          valid.env,
          valid.labels,
          valid.timeoutSeconds ?? null,
          [...secretNames].sort(),
          // Only when used, so containers started before these existed keep their fingerprint.
          ...(valid.workingDir !== undefined || interactive ? [valid.workingDir ?? null, interactive] : []),
        ]),
      )
      .digest('hex')
      .slice(0, 32);
    const platform = image.platform;
    const createdMs = Date.now();
    const deadline = valid.timeoutSeconds !== undefined ? createdMs + valid.timeoutSeconds * 1000 : undefined;
    // Found before anything is created: a task that needs a watchdog must not start without one.
    const watchdog =
      deadline !== undefined && this.options.timeoutWatchdog ? resolveWatchdogPath() : undefined;

    // With secrets on stdin the prelude goes in front of the image's own entrypoint, which only the image
    // knows: read it (pulling the image if need be) before creating the container.
    let imageInspect: ImageInspect | undefined;
    try {
      if (byPrelude || this.options.pullPolicy === 'always') {
        imageInspect = await ensureImage(this.engine, reference, {
          policy: this.options.pullPolicy,
          platform,
          operation,
          signal,
        });
      }
    } catch (error) {
      throw engineError(error, operation, `image ${reference}`);
    }

    const env = [
      ...Object.entries(valid.env).map(([key, value]) => `${key}=${value}`),
      ...(this.options.secrets === 'env'
        ? Object.entries(valid.secrets).map(([key, value]) => `${key}=${value}`)
        : []),
      `TASKPORT_EXECUTION_ID=${name}`,
    ];
    const labels: Record<string, string> = {
      ...valid.labels,
      [LABELS.managed]: 'true',
      [LABELS.execution]: name,
      [LABELS.requestId]: request.requestId,
      [LABELS.createdBy]: userEmail.trim(),
      [LABELS.imageId]: image.imageId,
      [LABELS.fingerprint]: fingerprint,
      ...(valid.timeoutSeconds !== undefined
        ? { [LABELS.timeoutSeconds]: String(valid.timeoutSeconds), [LABELS.deadline]: String(deadline) }
        : {}),
      ...(interactive ? { [LABELS.interactive]: 'true' } : {}),
    };
    const body = containerCreateBody(
      {
        reference,
        argv,
        env,
        labels,
        workingDir: valid.workingDir,
        interactive,
        secretsByPrelude: byPrelude,
        imageEntrypoint: imageInspect?.Config?.Entrypoint,
        cpu: image.cpu,
        memory: image.memory,
      },
      this.options,
    );

    // The record first: from here on a vanished container reads as RUNTIME_LOST, not as unknown.
    try {
      await writeTaskRecord(this.engine, name, signal);
    } catch (error) {
      throw engineError(error, operation);
    }
    let created: { Id: string };
    try {
      created = await this.createContainer(name, body, reference, platform, operation, signal);
    } catch (error) {
      if (hasStatus(error, 409)) return this.existing(name, fingerprint, operation, signal);
      await removeTaskRecords(this.engine, name).catch(() => undefined);
      throw engineError(error, operation, `creating container for image ${reference}`);
    }

    let stdin: Socket | undefined;
    try {
      // Attached before the start, so the prelude finds its secrets waiting and nothing is lost.
      if (byPrelude && !interactive) {
        stdin = await this.engine.hijack('POST', `/containers/${created.Id}/attach`, {
          query: { stream: 1, stdin: 1 },
          signal,
        });
      }
      await this.engine.request('POST', `/containers/${created.Id}/start`, { signal });
      if (stdin) await writeAndClose(stdin, encodeSecrets(valid.secrets));
      // An interactive task's stdin is the user's: its secrets go through the prelude's pipe instead.
      if (byPrelude && interactive) await this.feedSecrets(created.Id, valid.secrets, operation, signal);
    } catch (error) {
      stdin?.destroy();
      // A container that did not start is no task: remove it, so a retry with the same key starts afresh.
      await this.engine
        .request('DELETE', `/containers/${created.Id}`, { query: { force: 1, v: 1 } })
        .catch(() => undefined);
      await removeTaskRecords(this.engine, name).catch(() => undefined);
      throw engineError(error, operation, `starting container ${name}`);
    }
    if (deadline !== undefined && watchdog) {
      this.spawnWatchdog(watchdog, {
        host: this.options.host,
        apiVersion: this.options.apiVersion,
        tls: this.options.tls,
        ...(this.options.certPath ? { certPath: this.options.certPath } : {}),
        container: name,
        deadline,
        timeoutSeconds: valid.timeoutSeconds!,
        graceSeconds: this.options.killGraceSeconds,
      });
    }
    return { executionId: name, createdAt: new Date(createdMs).toISOString() };
  }

  /**
   * Stops the task: by default as `docker stop -t <killGraceSeconds>` (the container's stop signal, then
   * SIGKILL). `gracePeriodSeconds` replaces the grace (0 = SIGKILL at once, as `docker kill`);
   * `stopSignal` is sent first instead of the container's stop signal. Resolves once the container
   * stopped (within the grace period).
   */
  async killTask(executionId: string, options: KillTaskOptions = {}): Promise<void> {
    const operation = 'TaskExecutor.killTask';
    const stop = validateStopOptions(options);
    checkStopCapabilities(this, stop, { provider: PROVIDER, operation });
    options.signal?.throwIfAborted();
    const current = await this.read(executionId, operation, options.signal);
    if (!current.inspect || isFinalStatus(current.description.status)) {
      throw new ConflictError(
        `task ${executionId} has already finished (${current.description.status}); there is nothing to kill`,
        { provider: PROVIDER, operation, details: { executionId, status: current.description.status } },
      );
    }
    try {
      // The intent first: whoever reads the stopped container then knows it was a kill (ADR 021).
      await recordStopIntent(
        this.engine,
        executionId,
        {
          stopCode: 'USER_INITIATED',
          reason: 'stopped on request',
          requestedAt: Date.now(),
          ...(stop.stopSignal !== undefined ? { signal: stop.stopSignal } : {}),
          ...(stop.gracePeriodSeconds !== undefined ? { graceSeconds: stop.gracePeriodSeconds } : {}),
        },
        options.signal,
      );
      // This kill's own way, even after an earlier kill: a second kill with grace 0 ends a long grace.
      await this.stop(
        executionId,
        {
          graceSeconds: stop.gracePeriodSeconds ?? this.options.killGraceSeconds,
          ...(stop.stopSignal !== undefined ? { signal: stop.stopSignal } : {}),
        },
        options.signal,
      );
    } catch (error) {
      throw engineError(error, operation, `stopping ${executionId}`);
    }
  }

  /**
   * Sends `input` to the stdin of a task started with `interactive: true`, as `docker attach` does:
   * `POST /containers/{id}/attach?stream=1&stdin=1` (a hijacked connection), the bytes as they come, then
   * a half-close, upon which the engine closes the container's stdin (`StdinOnce`) and the command reads
   * EOF. Input sent before the command reads waits in the engine's pipe (the engine holds back the
   * writer while it is full). Resolves once all input was handed to the engine and the connection
   * half-closed, or as soon as the container ended (it reads no more); it does not wait for the
   * command to read it all, since the engine holds this connection open until the container exits.
   * One attach per task, claimed in the engine (task-records.ts), so a second one from any process is
   * refused.
   */
  async attachStdin(
    executionId: string,
    input: AsyncIterable<Uint8Array>,
    options: OperationOptions = {},
  ): Promise<void> {
    const operation = 'TaskExecutor.attachStdin';
    const { signal } = options;
    signal?.throwIfAborted();
    const current = await this.read(executionId, operation, signal);
    const refuse = (why: string) =>
      new ConflictError(`task ${executionId} ${why}`, {
        provider: PROVIDER,
        operation,
        details: { executionId, status: current.description.status },
      });
    if (!current.inspect || isFinalStatus(current.description.status)) {
      throw refuse(`has already finished (${current.description.status}); it reads no input`);
    }
    if (current.inspect.Config.Labels?.[LABELS.interactive] !== 'true') {
      throw refuse('was not started interactive, so its stdin is closed; start it with interactive: true');
    }
    let claimed: boolean;
    try {
      claimed = await claimStdin(this.engine, executionId, signal);
    } catch (error) {
      throw engineError(error, operation, `claiming the stdin of ${executionId}`);
    }
    if (!claimed) throw refuse('already had its input (one attachStdin per task)');
    let socket: Socket;
    try {
      socket = await this.engine.hijack('POST', `/containers/${encodeURIComponent(executionId)}/attach`, {
        query: { stream: 1, stdin: 1 },
        signal,
      });
    } catch (error) {
      // Nothing reached the task: give the claim back, so the attach can be retried.
      await releaseStdin(this.engine, executionId).catch(() => undefined);
      throw engineError(error, operation, `attaching to the stdin of ${executionId}`);
    }
    if (await sendInput(socket, input, signal)) return;
    // The engine dropped the connection before all input was handed over: fine if the container
    // ended (it stopped reading), an error if it still runs.
    const after = await this.inspect(executionId, operation, undefined).catch(() => undefined);
    if (after?.State.Running) {
      throw new ProviderError(
        `the engine closed the stdin attach of ${executionId} before all input was handed over, and the task still runs`,
        { provider: PROVIDER, operation, retryable: false, details: { executionId } },
      );
    }
  }

  async describeTask(executionId: string, options: OperationOptions = {}): Promise<TaskDescription> {
    options.signal?.throwIfAborted();
    return (await this.read(executionId, 'TaskExecutor.describeTask', options.signal)).description;
  }

  /**
   * Sweeps this engine's task containers: stops running ones past their deadline (the watchdog is gone),
   * and removes finished ones (with their logs and records) older than `retentionHours`. Run it on a
   * schedule (`taskport reconcile` / cron) where tasks run unattended.
   */
  async prune(
    options: OperationOptions & {
      /** @default the `retentionHours` option */
      retentionHours?: number;
      /** Only containers with all of these labels (e.g. one deployment's). */
      labels?: Record<string, string>;
    } = {},
  ): Promise<PruneResult> {
    const operation = 'TaskExecutor.prune';
    const { signal } = options;
    signal?.throwIfAborted();
    const retentionMs = (options.retentionHours ?? this.options.retentionHours) * 3_600_000;
    const result: PruneResult = { checked: 0, removed: [], timedOut: [] };
    let containers: Array<{ Id: string; Names?: string[] }>;
    try {
      ({ body: containers } = await this.engine.request<Array<{ Id: string; Names?: string[] }>>(
        'GET',
        '/containers/json',
        {
          query: {
            all: 1,
            filters: JSON.stringify({
              label: [
                `${LABELS.managed}=true`,
                ...Object.entries(options.labels ?? {}).map(([key, value]) => `${key}=${value}`),
              ],
            }),
          },
          signal,
        },
      ));
    } catch (error) {
      throw engineError(error, operation);
    }
    const now = Date.now();
    for (const container of containers) {
      const name = container.Names?.[0]?.replace(/^\//, '') ?? '';
      if (!EXECUTION_ID.test(name)) continue;
      result.checked += 1;
      let current: Awaited<ReturnType<DockerTaskExecutor['read']>>;
      try {
        current = await this.read(name, operation, signal);
      } catch (error) {
        if (NotFoundError.isInstance(error)) continue;
        throw error;
      }
      const { description } = current;
      if (description.status === 'TERMINATING' || description.status === 'RUNNING') {
        if (current.enforced === 'timeout') result.timedOut.push(name);
        continue;
      }
      if (!isFinalStatus(description.status) || !description.stoppedAt) continue;
      if (now - Date.parse(description.stoppedAt) < retentionMs) continue;
      try {
        await this.engine.request('DELETE', `/containers/${encodeURIComponent(name)}`, {
          query: { force: 1, v: 1 },
          signal,
        });
        await removeTaskRecords(this.engine, name, signal);
        result.removed.push(name);
      } catch (error) {
        if (!hasStatus(error, 404)) throw engineError(error, operation, `removing ${name}`);
      }
    }
    if (!options.labels) await this.pruneOrphanRecords(containers, now - retentionMs, result, signal);
    return result;
  }

  /** Removes the records of tasks whose container was removed by hand, once they are past retention. */
  private async pruneOrphanRecords(
    containers: Array<{ Names?: string[] }>,
    before: number,
    result: PruneResult,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const present = new Set(containers.map((container) => container.Names?.[0]?.replace(/^\//, '')));
    let volumes: Array<{ Name: string; Labels?: Record<string, string> | null }>;
    try {
      const { body } = await this.engine.request<{ Volumes?: typeof volumes | null }>('GET', '/volumes', {
        query: { filters: JSON.stringify({ label: [`${LABELS.managed}=true`] }) },
        signal,
      });
      volumes = body.Volumes ?? [];
    } catch (error) {
      throw engineError(error, 'TaskExecutor.prune');
    }
    for (const volume of volumes) {
      const container = volume.Labels?.[LABELS.execution];
      if (!container || present.has(container) || !volume.Name.endsWith('.record')) continue;
      if (Number(volume.Labels?.['taskport.recorded-at'] ?? 0) > before) continue;
      await removeTaskRecords(this.engine, container, signal);
      result.removed.push(container);
    }
  }

  /** Closes the engine connections (when the executor made its own client). */
  async close(): Promise<void> {
    if (this.ownsEngine) this.engine.close();
  }

  private async createContainer(
    name: string,
    body: Record<string, unknown>,
    reference: string,
    platform: string,
    operation: string,
    signal: AbortSignal | undefined,
  ): Promise<{ Id: string }> {
    const create = async () =>
      (
        await this.engine.request<{ Id: string }>('POST', '/containers/create', {
          query: { name, platform },
          body,
          signal,
        })
      ).body;
    try {
      return await create();
    } catch (error) {
      // 404 = the engine lacks the image: pull it when the policy allows, then create once more.
      if (!hasStatus(error, 404) || this.options.pullPolicy === 'never') throw error;
      await pullImage(this.engine, reference, platform, operation, signal);
      return create();
    }
  }

  /** The task that an earlier start with the same idempotency key created. */
  private async existing(
    name: string,
    fingerprint: string,
    operation: string,
    signal: AbortSignal | undefined,
  ): Promise<TaskStartResult> {
    // The engine reserves a name before the container it names can be inspected: a concurrent start may
    // see the 409 a moment before the winner's container appears.
    let inspect = await this.inspect(name, operation, signal);
    for (let wait = 20; !inspect && wait <= 1280; wait *= 2) {
      await new Promise((resolve) => setTimeout(resolve, wait));
      inspect = await this.inspect(name, operation, signal);
    }
    if (!inspect) {
      throw new ConflictError(
        `a container named ${name} was being created for this idempotency key and is gone again; retry the start`,
        { provider: PROVIDER, operation, retryable: true },
      );
    }
    if (inspect.Config.Labels?.[LABELS.fingerprint] !== fingerprint) {
      throw new ConflictError(
        'this idempotency key was already used for a different request (command, image, env, labels, timeout, working directory or interactive differ); use a new key',
        { provider: PROVIDER, operation, details: { executionId: name } },
      );
    }
    return { executionId: name, createdAt: new Date(Date.parse(inspect.Created)).toISOString() };
  }

  private async inspect(
    executionId: string,
    operation: string,
    signal: AbortSignal | undefined,
  ): Promise<ContainerInspect | undefined> {
    try {
      const { body } = await this.engine.request<ContainerInspect>(
        'GET',
        `/containers/${encodeURIComponent(executionId)}/json`,
        { signal },
      );
      // Only taskport's own containers: describe and kill never reach a container a user runs by hand.
      if (body.Config.Labels?.[LABELS.managed] !== 'true') return undefined;
      return body;
    } catch (error) {
      if (hasStatus(error, 404)) return undefined;
      throw engineError(error, operation);
    }
  }

  /** Inspects the task, maps it, and carries out a stop that is overdue (see Enforcement). */
  private async read(
    executionId: string,
    operation: string,
    signal: AbortSignal | undefined,
  ): Promise<{
    inspect: ContainerInspect | undefined;
    description: TaskDescription;
    enforced?: 'timeout' | 'stop-again';
  }> {
    if (typeof executionId !== 'string' || executionId.trim() === '') {
      throw new ValidationError('an execution id is required', {
        provider: PROVIDER,
        operation,
        details: { field: 'executionId' },
      });
    }
    const notFound = () =>
      new NotFoundError(`no docker task with execution id "${executionId}" on ${this.engine.display}`, {
        provider: PROVIDER,
        operation,
        details: { executionId },
      });
    if (!EXECUTION_ID.test(executionId)) throw notFound();
    let inspect: ContainerInspect | undefined;
    let intent: StopIntent | undefined;
    try {
      [inspect, intent] = await Promise.all([
        this.inspect(executionId, operation, signal),
        readStopIntent(this.engine, executionId, signal),
      ]);
      if (!inspect) {
        if (!(await hasTaskRecord(this.engine, executionId, signal))) throw notFound();
        return {
          inspect,
          description: {
            status: 'FAILED',
            exitCode: null,
            stopCode: 'RUNTIME_LOST',
            reason: `the container of this task is gone from ${this.engine.display} (removed outside taskport, or the engine lost it)`,
            details: { container: executionId, engine: this.engine.display },
          },
        };
      }
    } catch (error) {
      throw engineError(error, operation);
    }
    const state = describeContainer(inspect, {
      now: Date.now(),
      intent,
      graceMs: this.options.killGraceSeconds * 1000,
      startGraceMs: this.options.startGraceSeconds * 1000,
      details: {
        container: executionId,
        containerId: inspect.Id.slice(0, 12),
        image: inspect.Config.Image ?? '',
        imageDigest: inspect.Image,
        engine: this.engine.display,
      },
    });
    const { enforce } = state;
    if (enforce.kind === 'none') return { inspect, description: state.description };
    // Nobody carried out this stop (the watchdog or the killing process went away): do it now, without
    // making the read wait for the grace period.
    const intentNow =
      enforce.kind === 'stop-again'
        ? enforce.intent
        : await recordStopIntent(this.engine, executionId, {
            stopCode: 'TIMED_OUT',
            reason: timeoutReason(inspect.Config.Labels?.[LABELS.timeoutSeconds] ?? '?'),
            requestedAt: Date.now(),
          }).catch(() => undefined);
    if (intentNow) void this.stop(executionId, this.recordedStop(intentNow)).catch(() => undefined);
    return {
      inspect,
      description: {
        ...state.description,
        status: 'TERMINATING',
        reason: `${intentNow?.reason ?? 'a stop is overdue'}; waiting for the container to stop`,
      },
      enforced: enforce.kind,
    };
  }

  /** How a recorded stop is carried out (again): its own signal and grace, else the executor's. */
  private recordedStop(intent: StopIntent): StopHow {
    return {
      graceSeconds: intent.graceSeconds ?? this.options.killGraceSeconds,
      ...(intent.signal !== undefined ? { signal: intent.signal } : {}),
    };
  }

  /**
   * Stops the container and resolves once it stopped:
   * - grace 0: `POST /kill` (SIGKILL), nothing first;
   * - no chosen signal: `POST /stop?t=<grace>`, the engine sends the container's stop signal (SIGTERM
   *   unless the image says otherwise), then SIGKILL once the grace is over;
   * - a chosen signal: `POST /kill?signal=<it>`, wait for the container to stop for up to the grace, then
   *   `POST /kill` (SIGKILL). `/stop?signal=` would do the same in one call, but only from Engine API 1.42
   *   (Docker 23) on; Docker 20.10 (API 1.41) ignores the parameter and sends SIGTERM.
   * If this process goes away during the grace, the recorded intent (with its signal and grace) lets the
   * next read or `prune` finish the stop.
   */
  private async stop(executionId: string, how: StopHow, signal?: AbortSignal): Promise<void> {
    const path = `/containers/${encodeURIComponent(executionId)}`;
    try {
      if (how.graceSeconds === 0) {
        await this.kill(path, 'SIGKILL', signal);
        return;
      }
      if (how.signal === undefined) {
        await this.engine.request('POST', `${path}/stop`, {
          query: { t: how.graceSeconds },
          // The engine answers once the container stopped: up to the grace period, plus slack.
          timeoutMs: (how.graceSeconds + 30) * 1000,
          signal,
        });
        return;
      }
      if (!(await this.kill(path, how.signal, signal))) return;
      const graceOver = AbortSignal.timeout(how.graceSeconds * 1000);
      try {
        await this.engine.request('POST', `${path}/wait`, {
          query: { condition: 'not-running' },
          timeoutMs: 0,
          signal: signal ? AbortSignal.any([signal, graceOver]) : graceOver,
        });
        return;
      } catch (error) {
        if (!graceOver.aborted || signal?.aborted) throw error;
      }
      await this.kill(path, 'SIGKILL', signal);
    } catch (error) {
      // 304: already stopped (or never started); 404: removed meanwhile. Both leave nothing to stop.
      if (hasStatus(error, 404)) return;
      throw error;
    }
  }

  /** `POST /kill`; false when the container is not running (409), so there was nothing to signal. */
  private async kill(path: string, stopSignal: StopSignal, signal?: AbortSignal): Promise<boolean> {
    try {
      await this.engine.request('POST', `${path}/kill`, { query: { signal: stopSignal }, signal });
      return true;
    } catch (error) {
      if (hasStatus(error, 409)) return false;
      throw error;
    }
  }

  /**
   * Hands an interactive task its secrets (docker.secrets: stdin): an exec of SECRETS_FEEDER, a fixed
   * command, copies the encoded secrets from its own attached stdin into the pipe the prelude reads. The
   * secrets are data on that connection only, never in the exec's or the container's config. Fails
   * when the feeder did not end with 0 (no mkfifo or /dev/shm in the image): the caller removes the
   * container, whose prelude would otherwise wait forever.
   */
  private async feedSecrets(
    containerId: string,
    secrets: Record<string, string>,
    operation: string,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const { body: exec } = await this.engine.request<{ Id: string }>(
      'POST',
      `/containers/${containerId}/exec`,
      {
        body: {
          AttachStdin: true,
          AttachStdout: false,
          AttachStderr: false,
          Tty: false,
          Cmd: SECRETS_FEEDER,
        },
        signal,
      },
    );
    const socket = await this.engine.hijack('POST', `/exec/${exec.Id}/start`, {
      body: { Detach: false, Tty: false },
      signal,
    });
    await writeAndClose(socket, encodeSecrets(secrets));
    // The engine may close the connection a moment before it has the feeder's exit code.
    let state: { Running?: boolean; ExitCode?: number | null } = {};
    for (let wait = 10; wait <= 1280; wait *= 2) {
      ({ body: state } = await this.engine.request<typeof state>('GET', `/exec/${exec.Id}/json`, { signal }));
      if (!state.Running) break;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
    if (state.Running || state.ExitCode !== 0) {
      throw new ProviderError(
        `could not hand the secrets to the interactive task (the feeder ${state.Running ? 'did not finish' : `exited with ${state.ExitCode}`}): the image needs /bin/sh, mkfifo and a writable /dev/shm; or set docker.secrets: env`,
        { provider: PROVIDER, operation },
      );
    }
  }

  private spawnWatchdog(script: string, args: WatchdogArguments): void {
    const child = spawn(process.execPath, [script, JSON.stringify(args)], {
      detached: true,
      stdio: 'ignore',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
    child.on('error', () => {
      // No watchdog: reads and `prune` still stop the container once its deadline has passed.
    });
    child.unref();
  }
}

/**
 * Copies `input` into a hijacked stdin attach and half-closes it. True once every byte was handed to the
 * connection and the half-close flushed (the engine reads the rest, then closes the container's stdin);
 * false when the connection closed first (the engine closes it when the container ends, or it broke).
 * Throws only the abort reason or an error of `input` itself, after dropping the connection (the task
 * then reads EOF early, as after a broken pipe).
 */
async function sendInput(
  socket: Socket,
  input: AsyncIterable<Uint8Array>,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  // The engine ends its side when it is done with the attach (the container ended). Node would then
  // close the socket only after flushing what is still queued, which a stopped reader never takes.
  const closed = new Promise<'closed'>((resolve) => {
    socket.once('end', () => resolve('closed'));
    socket.once('close', () => resolve('closed'));
  });
  // A broken connection shows as its close, which the caller checks against the container.
  socket.on('error', () => {});
  // The engine writes nothing on a stdin-only attach; drain anyway, so it never blocks on us.
  socket.resume();
  const onAbort = () => socket.destroy();
  signal?.addEventListener('abort', onAbort, { once: true });
  let engineClosed = false;
  void closed.then(() => {
    engineClosed = true;
  });
  try {
    for await (const chunk of inputUntil(input, closed)) {
      signal?.throwIfAborted();
      if (chunk.byteLength === 0) continue;
      if (!socket.write(chunk)) {
        const drained = new Promise<'drain'>((resolve) => socket.once('drain', () => resolve('drain')));
        await Promise.race([drained, closed]);
      }
    }
    signal?.throwIfAborted();
    if (engineClosed) return false;
    const flushed = new Promise<'flushed'>((resolve) => socket.end(() => resolve('flushed')));
    const outcome = await Promise.race([flushed, closed]);
    signal?.throwIfAborted();
    return outcome === 'flushed';
  } finally {
    signal?.removeEventListener('abort', onAbort);
    // Flushed, the bytes and the end of the stream are the engine's: it keeps a StdinOnce attach open
    // until the container exits, but ours is done (its end was sent before this close).
    socket.destroy();
  }
}

/** Writes `data` to a hijacked attach socket, half-closes it and waits for the engine to close it. */
function writeAndClose(socket: Socket, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      resolve();
    }, 10_000);
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
    // The engine only writes here if stdout were attached; drain whatever comes so it can finish.
    socket.resume();
    socket.end(data);
  });
}

function resolveWatchdogPath(): string {
  const sibling = fileURLToPath(new URL('./docker-watchdog.js', import.meta.url));
  if (existsSync(sibling)) return sibling;
  // Running from the TypeScript sources (tests): the watchdog runs as its own plain `node` process.
  const built = fileURLToPath(new URL('../dist/docker-watchdog.js', import.meta.url));
  if (existsSync(built)) return built;
  throw new ProviderError(
    `the timeout watchdog script is missing (looked for ${sibling} and ${built}); build the package with \`pnpm --filter @taskport/docker build\``,
    { provider: PROVIDER, operation: 'TaskExecutor.startTask' },
  );
}
