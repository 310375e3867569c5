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
import { type ContainerInspect, describeContainer, EXECUTION_ID, LABELS } from './container-state.js';
import { DockerEngine } from './docker-engine.js';
import { engineError, hasStatus, PROVIDER } from './docker-errors.js';
import { engineReference, ensureImage, type ImageInspect, pullImage } from './docker-images.js';
import { type DockerOptions, type DockerOptionsInput, parseDockerOptions } from './docker-options.js';
import { encodeSecrets, preludeEntrypoint } from './secrets-stdin.js';
import {
  hasTaskRecord,
  readStopIntent,
  recordStopIntent,
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
    workingDir: false,
    stdin: false,
    stopSignal: false,
    stopGracePeriod: false,
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
    const viaStdin = secretNames.length > 0 && this.options.secrets === 'stdin';
    const fingerprint = createHash('sha256')
      .update(
        JSON.stringify([
          argv,
          reference,
          valid.env,
          valid.labels,
          valid.timeoutSeconds ?? null,
          [...secretNames].sort(),
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
      if (viaStdin || this.options.pullPolicy === 'always') {
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
    };
    const body = {
      Image: reference,
      Cmd: argv,
      ...(viaStdin ? { Entrypoint: preludeEntrypoint(imageInspect?.Config?.Entrypoint) } : {}),
      Env: env,
      Labels: labels,
      ...(this.options.user ? { User: this.options.user } : {}),
      ...(this.options.workingDir ? { WorkingDir: this.options.workingDir } : {}),
      StopTimeout: this.options.killGraceSeconds,
      AttachStdin: viaStdin,
      OpenStdin: viaStdin,
      StdinOnce: viaStdin,
      Tty: false,
      HostConfig: {
        Init: true,
        NanoCpus: Math.round((image.cpu / 1024) * 1e9),
        Memory: image.memory * 1024 * 1024,
        ...(this.options.networkMode ? { NetworkMode: this.options.networkMode } : {}),
        ...(this.options.pidsLimit ? { PidsLimit: this.options.pidsLimit } : {}),
        ReadonlyRootfs: this.options.readonlyRootfs,
        LogConfig: { Type: this.options.logDriver, Config: this.options.logOptions ?? {} },
        // Never privileged, no host mounts, no added capabilities: the engine's defaults and nothing more.
        Privileged: false,
        AutoRemove: false,
      },
    };

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
      if (viaStdin) {
        stdin = await this.engine.hijack('POST', `/containers/${created.Id}/attach`, {
          query: { stream: 1, stdin: 1 },
          signal,
        });
      }
      await this.engine.request('POST', `/containers/${created.Id}/start`, { signal });
      if (stdin) await writeAndClose(stdin, encodeSecrets(valid.secrets));
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

  async killTask(executionId: string, options: KillTaskOptions = {}): Promise<void> {
    const operation = 'TaskExecutor.killTask';
    checkStopCapabilities(this, validateStopOptions(options), { provider: PROVIDER, operation });
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
        { stopCode: 'USER_INITIATED', reason: 'stopped on request', requestedAt: Date.now() },
        options.signal,
      );
      await this.stop(executionId, options.signal);
    } catch (error) {
      throw engineError(error, operation, `stopping ${executionId}`);
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
        'this idempotency key was already used for a different request (command, image, env, labels or timeout differ); use a new key',
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
    if (intentNow) void this.stop(executionId).catch(() => undefined);
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

  /** `POST /stop` with the grace period: the engine sends SIGTERM, then SIGKILL once it is over. */
  private async stop(executionId: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.engine.request('POST', `/containers/${encodeURIComponent(executionId)}/stop`, {
        query: { t: this.options.killGraceSeconds },
        // The engine answers once the container stopped: up to the grace period, plus slack.
        timeoutMs: (this.options.killGraceSeconds + 30) * 1000,
        signal,
      });
    } catch (error) {
      // 304: already stopped (or never started); 404: removed meanwhile. Both leave nothing to stop.
      if (hasStatus(error, 404)) return;
      throw error;
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
