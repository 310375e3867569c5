// Unit tests of the Service's own logic (ordering, compensation, reconciliation), with small in-memory
// ports. The same Service runs over real adapters in packages/container/test/provider-mix.test.ts.
import { describe, expect, it } from 'vitest';
import type { Execution, ExecutionStatusUpdate } from '../src/domain/execution.js';
import { canTransition } from '../src/domain/execution-status.js';
import { canonicalImageConfig } from '../src/domain/image-config.js';
import { type ImageInfo, toImageInfo } from '../src/domain/image-info.js';
import type { TaskDescription } from '../src/domain/task-description.js';
import {
  ConflictError,
  NotFoundError,
  ProviderError,
  ValidationError,
} from '../src/errors/taskport-error.js';
import type { BackendLogEntry } from '../src/ports/backend-logger.js';
import type { ExecutionStore } from '../src/ports/execution-store.js';
import type { ImageRegistry } from '../src/ports/image-registry.js';
import type { TaskExecutor, TaskStartRequest } from '../src/ports/task-executor.js';
import { OrchestratorService } from '../src/service/orchestrator-service.js';

function image(ref: string, isDefault = false): ImageInfo {
  return toImageInfo(canonicalImageConfig({ image: ref, registeredBy: 'test' }), { isDefault });
}

class FakeExecutor implements TaskExecutor {
  readonly provider = 'fake';
  capabilities = {
    killWhileStarting: true,
    nativeTimeout: true,
    runsImages: true,
    workingDir: false,
    stdin: false,
    stopSignal: false,
    stopGracePeriod: false,
  };
  started: { userEmail: string; request: TaskStartRequest }[] = [];
  killed: string[] = [];
  killOptions: unknown[] = [];
  truth = new Map<string, TaskDescription>();
  killConflict = false;
  async startTask(userEmail: string, request: TaskStartRequest) {
    const executionId = `fake-${this.started.length + 1}`;
    this.started.push({ userEmail, request });
    this.truth.set(executionId, { status: 'STARTING', exitCode: null });
    return { executionId, createdAt: '2026-01-01T00:00:00.000Z' };
  }
  async killTask(executionId: string, options: Record<string, unknown> = {}) {
    if (this.killConflict) throw new ConflictError('already finished');
    this.killed.push(executionId);
    const { signal: _abort, ...stop } = options;
    this.killOptions.push(stop);
  }
  async describeTask(executionId: string) {
    const truth = this.truth.get(executionId);
    if (!truth) throw new NotFoundError(executionId);
    return truth;
  }
}

class FakeStore implements ExecutionStore {
  readonly provider = 'fake';
  rows = new Map<string, Execution>();
  failCreate = false;
  async create(execution: Execution) {
    if (this.failCreate) throw new ProviderError('database is down');
    if (this.rows.has(execution.executionId)) throw new ConflictError('exists');
    this.rows.set(execution.executionId, structuredClone(execution));
  }
  async get(executionId: string) {
    const row = this.rows.get(executionId);
    if (!row) throw new NotFoundError(`no execution ${executionId}`);
    return structuredClone(row);
  }
  async updateStatus(executionId: string, update: ExecutionStatusUpdate) {
    const row = await this.get(executionId);
    if (!canTransition(row.status, update.status)) throw new ConflictError(`status is ${row.status}`);
    const { requestId, ...rest } = update;
    const next: Execution = {
      ...row,
      ...rest,
      ...(requestId ? { modifiedByRequestId: requestId } : {}),
    } as Execution;
    this.rows.set(executionId, next);
    return structuredClone(next);
  }
  async list(query: { status?: readonly string[] } = {}) {
    return {
      items: [...this.rows.values()].filter((row) => !query.status || query.status.includes(row.status)),
    };
  }
  async findByIdempotencyKey(createdBy: string, key: string) {
    return (
      [...this.rows.values()].find((row) => row.createdBy === createdBy && row.idempotencyKey === key) ?? null
    );
  }
  async listByRequestId(requestId: string) {
    return [...this.rows.values()].filter(
      (row) => row.requestId === requestId || row.modifiedByRequestId === requestId,
    );
  }
}

function registryWith(...images: ImageInfo[]): ImageRegistry {
  const find = (ref: string) => images.find((i) => i.imageId === ref || i.image === ref);
  return {
    provider: 'fake',
    registerImage: async () => images[0]!,
    listImages: async () => images,
    getImage: async (ref) => find(ref) ?? Promise.reject(new NotFoundError(`image not found: ${ref}`)),
    removeImage: async () => {},
    getDefaultImage: async () => images.find((i) => i.isDefault) ?? null,
    setDefaultImage: async (ref) => find(ref)!,
  };
}

function setup(
  images: ImageInfo[] = [image('alpine', true), image('python:3.12')],
  options: { lostTaskGraceMs?: number } = {},
) {
  const executor = new FakeExecutor();
  const store = new FakeStore();
  const lines: BackendLogEntry[] = [];
  const service = new OrchestratorService(
    {
      taskExecutor: executor,
      imageRegistry: registryWith(...images),
      logAggregator: {
        provider: 'fake',
        fetchLogsByExecutionId: async () => [],
        streamLogs: async function* () {},
      },
      backendObservability: { provider: 'fake', fetchBackendLogs: async () => [] },
      executionStore: store,
      logger: { log: (entry) => lines.push(entry) },
    },
    options,
  );
  return { executor, store, lines, service };
}

describe('OrchestratorService.runCommand', () => {
  it('starts the default image with the resolved ImageInfo and records the execution', async () => {
    const { executor, store, service } = setup();
    const { execution, requestId, reused } = await service.runCommand('ana@example.com', {
      command: 'echo hi',
    });
    expect(reused).toBe(false);
    expect(executor.started[0]!.request.image.image).toBe('alpine');
    expect(executor.started[0]!.request.requestId).toBe(requestId);
    expect(store.rows.get(execution.executionId)).toMatchObject({
      status: 'STARTING',
      imageId: image('alpine').imageId,
      createdBy: 'ana@example.com',
      executor: 'fake',
      requestId,
      exitCode: null,
    });
  });

  it('resolves a named image through the registry', async () => {
    const { executor, service } = setup();
    await service.runCommand('ana@example.com', { command: 'python -V', image: 'python:3.12' });
    expect(executor.started[0]!.request.image.image).toBe('python:3.12');
  });

  it('fails with ValidationError and starts nothing when there is no image and no default', async () => {
    const { executor, service } = setup([image('python:3.12')]);
    const attempt = service.runCommand('ana@example.com', { command: 'true' });
    await expect(attempt).rejects.toSatisfy((e) => ValidationError.isInstance(e));
    await expect(attempt).rejects.toThrow(/no default image/);
    expect(executor.started).toHaveLength(0);
  });

  it('runs on the host when no image is given, none is the default, and the executor runs no images', async () => {
    const { executor, service } = setup([]);
    const hostOnly = Object.assign(executor, {
      capabilities: { ...executor.capabilities, runsImages: false },
    });
    const { execution } = await service.runCommand('ana@example.com', { command: 'true' });
    expect(hostOnly.started[0]!.request.image.imageId).toBe('host');
    expect(execution.imageId).toBe('host');
  });

  it('fails with NotFoundError and starts nothing for an unknown image', async () => {
    const { executor, service } = setup();
    await expect(service.runCommand('ana@example.com', { command: 'true', image: 'nope' })).rejects.toSatisfy(
      (e) => NotFoundError.isInstance(e),
    );
    expect(executor.started).toHaveLength(0);
  });

  it('returns the existing execution for a repeated idempotency key and starts nothing new', async () => {
    const { executor, service } = setup();
    const first = await service.runCommand('ana@example.com', {
      command: 'true',
      idempotencyKey: 'nightly-42',
    });
    const second = await service.runCommand('ana@example.com', {
      command: 'true',
      idempotencyKey: 'nightly-42',
    });
    expect(second.reused).toBe(true);
    expect(second.execution.executionId).toBe(first.execution.executionId);
    expect(executor.started).toHaveLength(1);
  });

  it('asks the registry for the image without its default flag (a run never reads it)', async () => {
    const { service } = setup();
    const seen: unknown[] = [];
    const registry = service.imageRegistry();
    const getImage = registry.getImage.bind(registry);
    registry.getImage = (ref, options) => {
      seen.push(options?.withDefaultFlag);
      return getImage(ref, options);
    };
    await service.runCommand('ana@example.com', { command: 'true', image: 'python:3.12' });
    expect(seen).toEqual([false]);
  });

  it('looks up the idempotency key and the image at the same time', async () => {
    const { store, service } = setup();
    const registry = service.imageRegistry();
    const getImage = registry.getImage.bind(registry);
    const findByKey = store.findByIdempotencyKey.bind(store);
    // Each lookup waits until the other one has started: this only finishes when they overlap.
    let imageStarted!: () => void;
    let keyStarted!: () => void;
    const imageGate = new Promise<void>((resolve) => {
      imageStarted = resolve;
    });
    const keyGate = new Promise<void>((resolve) => {
      keyStarted = resolve;
    });
    store.findByIdempotencyKey = async (...args: Parameters<typeof findByKey>) => {
      keyStarted();
      await imageGate;
      return findByKey(...args);
    };
    registry.getImage = async (ref, options) => {
      imageStarted();
      await keyGate;
      return getImage(ref, options);
    };
    const run = service.runCommand('ana@example.com', {
      command: 'true',
      image: 'python:3.12',
      idempotencyKey: 'together-1',
    });
    const timeout = new Promise((_, reject) =>
      setTimeout(() => reject(new Error('the two lookups ran one after the other')), 2000).unref(),
    );
    await expect(Promise.race([run, timeout])).resolves.toMatchObject({ reused: false });
  });

  it('returns the execution of a repeated idempotency key even when its image is gone since', async () => {
    const { executor, service } = setup();
    const first = await service.runCommand('ana@example.com', {
      command: 'true',
      image: 'python:3.12',
      idempotencyKey: 'gone-1',
    });
    service.imageRegistry().getImage = async (ref) => {
      throw new NotFoundError(`image not found: ${ref}`);
    };
    const second = await service.runCommand('ana@example.com', {
      command: 'true',
      image: 'python:3.12',
      idempotencyKey: 'gone-1',
    });
    expect(second).toMatchObject({ reused: true, execution: { executionId: first.execution.executionId } });
    expect(executor.started).toHaveLength(1);
  });

  it('returns the shared task when a concurrent run with the same key recorded it first, and stops nothing', async () => {
    const { executor, store, service } = setup();
    // The provider is idempotent on the key (ECS clientToken): both starts get the same task back.
    const startTask = executor.startTask.bind(executor);
    executor.startTask = async (userEmail, request) =>
      request.idempotencyKey
        ? { executionId: 'shared-task', createdAt: '2026-01-01T00:00:00.000Z' }
        : startTask(userEmail, request);
    executor.truth.set('shared-task', { status: 'RUNNING', exitCode: null });
    // Both runs pass the "seen before?" check before either has recorded the task.
    const lookUp = store.findByIdempotencyKey.bind(store);
    let preChecksToMiss = 2;
    store.findByIdempotencyKey = async (user, key) => (preChecksToMiss-- > 0 ? null : lookUp(user, key));
    const [a, b] = await Promise.all([
      service.runCommand('ana@example.com', { command: 'true', idempotencyKey: 'deploy-7' }),
      service.runCommand('ana@example.com', { command: 'true', idempotencyKey: 'deploy-7' }),
    ]);
    expect(a.execution.executionId).toBe('shared-task');
    expect(b.execution.executionId).toBe('shared-task');
    expect([a.reused, b.reused].sort()).toEqual([false, true]);
    expect(executor.killed).toEqual([]);
    expect(store.rows.size).toBe(1);
  });

  it('scopes idempotency keys per user: the same key from another user starts its own task', async () => {
    const { executor, service } = setup();
    const ana = await service.runCommand('ana@example.com', { command: 'true', idempotencyKey: 'k-1' });
    const bo = await service.runCommand('bo@example.com', { command: 'true', idempotencyKey: 'k-1' });
    expect(bo.reused).toBe(false);
    expect(bo.execution.executionId).not.toBe(ana.execution.executionId);
    expect(executor.started.map((start) => start.userEmail)).toEqual(['ana@example.com', 'bo@example.com']);
  });

  it('stores the request fingerprint and returns the first execution for the same key and request', async () => {
    const { executor, store, service } = setup();
    const request = {
      command: ['make', 'test'],
      env: { B: '2', A: '1' },
      labels: { team: 'data' },
      timeoutSeconds: 60,
      idempotencyKey: 'same-1',
    };
    const first = await service.runCommand('ana@example.com', request);
    expect(store.rows.get(first.execution.executionId)!.requestFingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    // Env values and the order of names or labels are not part of the request's identity.
    const again = await service.runCommand('ana@example.com', { ...request, env: { A: 'x', B: 'y' } });
    expect(again).toMatchObject({ reused: true, execution: { executionId: first.execution.executionId } });
    expect(executor.started).toHaveLength(1);
  });

  it('rejects the same key with a different request with ConflictError saying what differs, starting nothing', async () => {
    const { executor, service } = setup();
    const first = await service.runCommand('ana@example.com', { command: 'true', idempotencyKey: 'k-2' });
    const variants = [
      [{ command: 'false' }, 'the command'],
      [{ command: 'true', env: { EXTRA: '1' } }, 'the env names'],
      [{ command: 'true', labels: { a: 'b' } }, 'the labels'],
      [{ command: 'true', timeoutSeconds: 5 }, 'the timeout'],
      [{ command: 'true', image: 'python:3.12' }, 'the image'],
    ] as const;
    for (const [variant, differs] of variants) {
      const error = await service.runCommand('ana@example.com', { ...variant, idempotencyKey: 'k-2' }).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(ConflictError.isInstance(error), `${differs}: ${String(error)}`).toBe(true);
      const message = (error as Error).message;
      expect(message).toContain('idempotency key "k-2" was already used');
      expect(message).toContain(first.execution.executionId);
      expect(message).toContain(differs);
    }
    expect(executor.started).toHaveLength(1);
  });

  it('stops its own task and throws ConflictError when a concurrent different request recorded the key first', async () => {
    const { executor, store, service } = setup();
    const lookUp = store.findByIdempotencyKey.bind(store);
    let preChecksToMiss = 2;
    store.findByIdempotencyKey = async (user, key) => (preChecksToMiss-- > 0 ? null : lookUp(user, key));
    // The store enforces one record per (user, key), as every ExecutionStore must.
    const create = store.create.bind(store);
    store.create = async (execution) => {
      const taken = [...store.rows.values()].some(
        (row) => row.createdBy === execution.createdBy && row.idempotencyKey === execution.idempotencyKey,
      );
      if (execution.idempotencyKey && taken) throw new ConflictError('key taken');
      return create(execution);
    };
    const outcomes = await Promise.allSettled([
      service.runCommand('ana@example.com', { command: 'true', idempotencyKey: 'race' }),
      service.runCommand('ana@example.com', { command: 'false', idempotencyKey: 'race' }),
    ]);
    const [won, lost] = outcomes;
    expect(won.status).toBe('fulfilled');
    expect(lost.status).toBe('rejected');
    expect(ConflictError.isInstance((lost as PromiseRejectedResult).reason)).toBe(true);
    expect(executor.started).toHaveLength(2);
    expect(executor.killed).toEqual(['fake-2']);
    expect(store.rows.size).toBe(1);
  });

  it('stops the task it started when the record cannot be written, then reports the error', async () => {
    const { executor, store, service } = setup();
    store.failCreate = true;
    await expect(service.runCommand('ana@example.com', { command: 'true' })).rejects.toThrow(
      /database is down/,
    );
    expect(executor.started).toHaveLength(1);
    expect(executor.killed).toEqual(['fake-1']);
  });

  it('passes secrets to the executor but never stores or logs their values', async () => {
    const { executor, store, lines, service } = setup();
    const { execution } = await service.runCommand('ana@example.com', {
      command: 'deploy',
      env: { STAGE: 'prod' },
      secrets: { API_TOKEN: 's3cr3t-value' },
    });
    expect(executor.started[0]!.request.secrets).toEqual({ API_TOKEN: 's3cr3t-value' });
    const stored = store.rows.get(execution.executionId)!;
    expect(stored.env).toEqual({ STAGE: 'prod' });
    expect(stored.envKeys).toEqual(['STAGE', 'API_TOKEN']);
    expect(JSON.stringify(stored)).not.toContain('s3cr3t-value');
    expect(JSON.stringify(lines)).not.toContain('s3cr3t-value');
  });

  it('rejects a bad request before any provider call, naming the field', async () => {
    const { executor, service } = setup();
    await expect(
      service.runCommand('ana@example.com', { command: 'x', env: { 'BAD-NAME': '1' } }),
    ).rejects.toThrow(/env name "BAD-NAME" is not a valid variable name/);
    await expect(service.runCommand('', { command: 'x' })).rejects.toThrow(/userEmail is required/);
    expect(executor.started).toHaveLength(0);
  });

  it('refuses a working directory or stdin the executor cannot honour before any provider call', async () => {
    const { executor, store, service } = setup();
    for (const request of [
      { command: 'pwd', workingDir: '/srv' },
      { command: 'cat', interactive: true },
    ]) {
      await expect(service.runCommand('ana@example.com', request)).rejects.toThrow(
        /the fake executor cannot/,
      );
    }
    expect(executor.started).toHaveLength(0);
    expect(store.rows.size).toBe(0);
  });

  it('hands a working directory and stdin to an executor that can honour them', async () => {
    const { executor, service } = setup();
    executor.capabilities = { ...executor.capabilities, workingDir: true, stdin: true };
    await service.runCommand('ana@example.com', { command: 'cat', workingDir: '/srv', interactive: true });
    expect(executor.started[0]?.request).toMatchObject({ workingDir: '/srv', interactive: true });
  });

  it('writes structured lines carrying the request id for every operation', async () => {
    const { lines, service } = setup();
    await service.runCommand('ana@example.com', { command: 'true' }, { requestId: 'req-trace-me' });
    const mine = lines.filter((line) => line.requestId === 'req-trace-me');
    expect(mine.map((line) => line.message)).toEqual([
      'runCommand started',
      'execution started',
      'runCommand succeeded',
    ]);
    await expect(service.listImages({ requestId: 'bad id with spaces' })).rejects.toThrow(
      /requestId must be/,
    );
  });
});

describe('OrchestratorService status and kill', () => {
  it('brings the record up to date with the provider truth, conditionally', async () => {
    const { executor, service } = setup();
    const { execution } = await service.runCommand('ana@example.com', { command: 'true' });
    executor.truth.set(execution.executionId, {
      status: 'SUCCEEDED',
      exitCode: 0,
      stopCode: 'EXITED',
      stoppedAt: '2026-01-01T00:00:05.000Z',
    });
    const status = await service.getExecutionStatus(execution.executionId);
    expect(status).toMatchObject({
      status: 'SUCCEEDED',
      exitCode: 0,
      stopCode: 'EXITED',
      completedAt: '2026-01-01T00:00:05.000Z',
    });
  });

  it('records a finish that skipped RUNNING (out-of-order events)', async () => {
    const { executor, service } = setup();
    const { execution } = await service.runCommand('ana@example.com', { command: 'false' });
    executor.truth.set(execution.executionId, { status: 'FAILED', exitCode: 1, stopCode: 'EXITED' });
    expect((await service.getExecutionStatus(execution.executionId)).status).toBe('FAILED');
  });

  it('records a task the executor has forgotten as FAILED with RUNTIME_LOST and exitCode null', async () => {
    const { executor, service } = setup(undefined, { lostTaskGraceMs: 0 });
    const { execution } = await service.runCommand('ana@example.com', { command: 'sleep 60' });
    executor.truth.set(execution.executionId, { status: 'RUNNING', exitCode: null });
    expect((await service.getExecutionStatus(execution.executionId)).status).toBe('RUNNING');
    executor.truth.delete(execution.executionId);
    const lost = await service.getExecutionStatus(execution.executionId);
    expect(lost).toMatchObject({ status: 'FAILED', stopCode: 'RUNTIME_LOST', exitCode: null });
    expect(lost.reason).toMatch(/no longer knows this task/);
    expect(lost.completedAt).toBeDefined();
  });

  it('leaves a record younger than the grace period alone when the executor answers NotFound', async () => {
    const { executor, service } = setup(undefined, { lostTaskGraceMs: 60_000 });
    const { execution } = await service.runCommand('ana@example.com', { command: 'true' });
    executor.truth.delete(execution.executionId);
    const store = service.executionStore();
    await store.updateStatus(execution.executionId, { status: 'RUNNING' });
    // createdAt is the executor's (2026-01-01): old. A fresh record is what the grace protects.
    const fresh = {
      ...(await store.get(execution.executionId)),
      executionId: 'fresh',
      createdAt: new Date().toISOString(),
    };
    await store.create(fresh);
    expect((await service.getExecutionStatus('fresh')).status).toBe('RUNNING');
    expect((await service.getExecutionStatus(execution.executionId)).stopCode).toBe('RUNTIME_LOST');
  });

  it('ends a following log stream once the executor has forgotten the task', async () => {
    const { executor, service } = setup(undefined, { lostTaskGraceMs: 0 });
    const { execution } = await service.runCommand('ana@example.com', { command: 'sleep 60' });
    executor.truth.set(execution.executionId, { status: 'RUNNING', exitCode: null });
    let checks = 0;
    (service.logAggregator() as { streamLogs: unknown }).streamLogs = async function* (
      _id: string,
      options: { isTaskDone?: () => Promise<boolean> },
    ) {
      for (;;) {
        checks++;
        if (await options.isTaskDone?.()) return;
        if (checks === 2) executor.truth.delete(execution.executionId);
        if (checks > 10) throw new Error('the stream never ended');
        yield { timestamp: Date.now(), message: `line ${checks}`, eventId: String(checks) };
      }
    };
    const lines: string[] = [];
    for await (const event of service.streamLogs(execution.executionId, { follow: true })) {
      lines.push(event.message);
    }
    expect(lines).toEqual(['line 1', 'line 2']);
    expect((await service.executionStore().get(execution.executionId)).stopCode).toBe('RUNTIME_LOST');
  });

  it('kills a running execution and marks it TERMINATING until the provider confirms', async () => {
    const { executor, service } = setup();
    const { execution } = await service.runCommand('ana@example.com', { command: 'sleep 60' });
    const result = await service.killExecution(execution.executionId);
    expect(result.alreadyFinished).toBe(false);
    expect(result.execution.status).toBe('TERMINATING');
    expect(executor.killed).toEqual([execution.executionId]);
    executor.truth.set(execution.executionId, {
      status: 'STOPPED',
      exitCode: null,
      stopCode: 'USER_INITIATED',
    });
    expect((await service.getExecutionStatus(execution.executionId)).status).toBe('STOPPED');
  });

  it('passes a chosen stop signal and grace to an executor that can honour them, and refuses them otherwise', async () => {
    const { executor, service } = setup();
    const { execution } = await service.runCommand('ana@example.com', { command: 'sleep 60' });
    await expect(service.killExecution(execution.executionId, {}, { stopSignal: 'SIGINT' })).rejects.toThrow(
      /cannot choose the signal/,
    );
    await expect(service.killExecution(execution.executionId, {}, { gracePeriodSeconds: 3 })).rejects.toThrow(
      /cannot choose the grace period/,
    );
    await expect(
      service.killExecution(execution.executionId, {}, { stopSignal: 'BOGUS' as never }),
    ).rejects.toThrow(/unknown stop signal/);
    expect(executor.killed).toEqual([]);
    executor.capabilities = { ...executor.capabilities, stopSignal: true, stopGracePeriod: true };
    await service.killExecution(execution.executionId, {}, { stopSignal: 'SIGINT', gracePeriodSeconds: 0 });
    expect(executor.killOptions).toEqual([{ stopSignal: 'SIGINT', gracePeriodSeconds: 0 }]);
  });

  it('does nothing for a kill of a finished execution (idempotent)', async () => {
    const { executor, service } = setup();
    const { execution } = await service.runCommand('ana@example.com', { command: 'true' });
    executor.truth.set(execution.executionId, { status: 'SUCCEEDED', exitCode: 0 });
    await service.getExecutionStatus(execution.executionId);
    const result = await service.killExecution(execution.executionId);
    expect(result).toMatchObject({ alreadyFinished: true, execution: { status: 'SUCCEEDED' } });
    expect(executor.killed).toHaveLength(0);
  });

  it('records the real end when the task finished between the read and the kill', async () => {
    const { executor, service } = setup();
    const { execution } = await service.runCommand('ana@example.com', { command: 'true' });
    executor.truth.set(execution.executionId, { status: 'SUCCEEDED', exitCode: 0 });
    executor.killConflict = true;
    const result = await service.killExecution(execution.executionId);
    expect(result).toMatchObject({ alreadyFinished: true, execution: { status: 'SUCCEEDED', exitCode: 0 } });
  });

  it('throws NotFoundError for an unknown execution', async () => {
    const { service } = setup();
    await expect(service.getExecutionStatus('nope')).rejects.toSatisfy((e) => NotFoundError.isInstance(e));
    await expect(service.killExecution('nope')).rejects.toSatisfy((e) => NotFoundError.isInstance(e));
  });
});

describe('OrchestratorService.reconcileExecutions', () => {
  it('moves every unfinished execution to what the provider says and leaves the rest alone', async () => {
    const { executor, service } = setup();
    const done = (await service.runCommand('ana@example.com', { command: 'true' })).execution.executionId;
    const lost = (await service.runCommand('ana@example.com', { command: 'sleep 9' })).execution.executionId;
    const still = (await service.runCommand('ana@example.com', { command: 'sleep 9' })).execution.executionId;
    executor.truth.set(done, { status: 'SUCCEEDED', exitCode: 0, stopCode: 'EXITED' });
    executor.truth.set(lost, {
      status: 'FAILED',
      exitCode: null,
      stopCode: 'TIMED_OUT',
      reason: 'deadline passed',
    });
    executor.truth.set(still, { status: 'RUNNING', exitCode: null });
    const result = await service.reconcileExecutions();
    expect(result.checked).toBe(3);
    expect(result.changed).toEqual(
      expect.arrayContaining([
        { executionId: done, from: 'STARTING', to: 'SUCCEEDED' },
        { executionId: lost, from: 'STARTING', to: 'FAILED' },
        { executionId: still, from: 'STARTING', to: 'RUNNING' },
      ]),
    );
    const again = await service.reconcileExecutions();
    expect(again).toMatchObject({ checked: 1, changed: [] });
  });
});

describe('OrchestratorService.trace', () => {
  it('returns the backend lines and the executions the request created', async () => {
    const { service } = setup();
    const { execution, requestId } = await service.runCommand('ana@example.com', { command: 'true' });
    const trace = await service.trace(requestId);
    expect(trace.executions.map((e) => e.executionId)).toEqual([execution.executionId]);
    await expect(service.trace(' ')).rejects.toSatisfy((e) => ValidationError.isInstance(e));
  });
});

describe('OrchestratorService.listExecutions', () => {
  /** An executor with a batch read that counts its calls. */
  class BatchExecutor extends FakeExecutor {
    batches: string[][] = [];
    singles = 0;
    override async describeTask(executionId: string) {
      this.singles++;
      return super.describeTask(executionId);
    }
    async describeTasks(ids: readonly string[]) {
      this.batches.push([...ids]);
      const out = new Map<string, TaskDescription>();
      for (const id of ids) {
        const truth = this.truth.get(id);
        if (truth) out.set(id, truth);
      }
      return out;
    }
  }

  function setupBatch() {
    const executor = new BatchExecutor();
    const store = new FakeStore();
    const service = new OrchestratorService({
      taskExecutor: executor,
      imageRegistry: registryWith(image('alpine', true)),
      logAggregator: {
        provider: 'fake',
        fetchLogsByExecutionId: async () => [],
        streamLogs: async function* () {},
      },
      backendObservability: { provider: 'fake', fetchBackendLogs: async () => [] },
      executionStore: store,
    });
    return { executor, store, service };
  }

  it('converges the non-final rows of the page with one batch describe and shows provider truth', async () => {
    const { executor, store, service } = setupBatch();
    const a = (await service.runCommand('dev@x', { command: 'a' })).execution.executionId;
    const b = (await service.runCommand('dev@x', { command: 'b' })).execution.executionId;
    executor.truth.set(a, { status: 'SUCCEEDED', exitCode: 0, stopCode: 'EXITED' });
    executor.truth.set(b, { status: 'RUNNING', exitCode: null });
    const page = await service.listExecutions();
    expect(executor.batches).toEqual([[a, b]]);
    expect(executor.singles).toBe(0);
    expect(Object.fromEntries(page.items.map((e) => [e.executionId, e.status]))).toEqual({
      [a]: 'SUCCEEDED',
      [b]: 'RUNNING',
    });
    expect((await store.get(a)).status).toBe('SUCCEEDED');
  });

  it('makes no provider call when every row of the page is final', async () => {
    const { executor, service } = setupBatch();
    const a = (await service.runCommand('dev@x', { command: 'a' })).execution.executionId;
    executor.truth.set(a, { status: 'FAILED', exitCode: 1, stopCode: 'EXITED' });
    await service.listExecutions();
    executor.batches = [];
    const page = await service.listExecutions();
    expect(page.items[0]?.status).toBe('FAILED');
    expect(executor.batches).toEqual([]);
    expect(executor.singles).toBe(0);
  });

  it('leaves out rows that moved out of the status filter', async () => {
    const { executor, service } = setupBatch();
    const a = (await service.runCommand('dev@x', { command: 'a' })).execution.executionId;
    const b = (await service.runCommand('dev@x', { command: 'b' })).execution.executionId;
    executor.truth.set(a, { status: 'SUCCEEDED', exitCode: 0, stopCode: 'EXITED' });
    executor.truth.set(b, { status: 'RUNNING', exitCode: null });
    const page = await service.listExecutions({ status: ['STARTING', 'RUNNING'] });
    expect(page.items.map((e) => e.executionId)).toEqual([b]);
  });

  it('falls back to describeTask per row for an executor without a batch read', async () => {
    const { executor, service } = setup();
    const a = (await service.runCommand('dev@x', { command: 'a' })).execution.executionId;
    executor.truth.set(a, { status: 'STOPPED', exitCode: null, stopCode: 'USER_INITIATED' });
    const page = await service.listExecutions();
    expect(page.items[0]?.status).toBe('STOPPED');
  });

  it('lists the stored rows when the provider cannot be read, instead of failing', async () => {
    const { executor, service } = setupBatch();
    await service.runCommand('dev@x', { command: 'a' });
    executor.describeTasks = async () => {
      throw new ProviderError('ECS is down');
    };
    const page = await service.listExecutions();
    expect(page.items[0]?.status).toBe('STARTING');
  });
});

describe('OrchestratorService and records of another executor', () => {
  it('kill of a record started by another executor says which one and how to select it, and kills nothing', async () => {
    const { executor, store, service } = setup();
    const { execution } = await service.runCommand('dev@x', { command: 'a' });
    store.rows.set(execution.executionId, { ...execution, executor: 'aws' });
    const error = await service.killExecution(execution.executionId).catch((e) => e);
    expect(error.code).toBe('CONFIGURATION');
    expect(error.message).toContain('"aws" executor');
    expect(error.message).toContain('configured taskExecutor is "fake"');
    expect(error.message).toMatch(/taskport\.yaml.*--config/);
    expect(executor.killed).toEqual([]);
  });

  it('following the logs of such a running record fails the same way instead of waiting forever', async () => {
    const { store, service } = setup();
    const { execution } = await service.runCommand('dev@x', { command: 'a' });
    store.rows.set(execution.executionId, { ...execution, executor: 'aws' });
    const follow = async () => {
      for await (const _ of service.streamLogs(execution.executionId, { follow: true })) break;
    };
    await expect(follow()).rejects.toThrow(/started by the "aws" executor/);
  });
});

describe('OrchestratorService.resolveExecutionId', () => {
  class PrefixStore extends FakeStore {
    override async list(query: { status?: readonly string[]; idPrefix?: string } = {}) {
      return {
        items: [...this.rows.values()].filter(
          (row) => !query.idPrefix || row.executionId.startsWith(query.idPrefix),
        ),
      };
    }
  }
  function withIds(...ids: string[]) {
    const store = new PrefixStore();
    const base = setup();
    const service = new OrchestratorService({
      taskExecutor: base.executor,
      imageRegistry: registryWith(image('alpine', true)),
      logAggregator: {
        provider: 'fake',
        fetchLogsByExecutionId: async () => [],
        streamLogs: async function* () {},
      },
      backendObservability: { provider: 'fake', fetchBackendLogs: async () => [] },
      executionStore: store,
    });
    for (const id of ids) {
      store.rows.set(id, {
        executionId: id,
        status: 'SUCCEEDED',
        command: 'x',
        imageId: 'i',
        image: 'i',
        createdBy: 'u',
        executor: 'fake',
        createdAt: '2026-01-01T00:00:00.000Z',
        exitCode: 0,
        requestId: 'req-1',
        labels: {},
        envKeys: [],
        env: {},
      });
    }
    return service;
  }

  it('takes a full id, a unique prefix, and refuses an ambiguous or unknown one', async () => {
    const service = withIds('loc-abc111', 'loc-abc222', 'loc-xyz');
    expect(await service.resolveExecutionId('loc-abc111')).toBe('loc-abc111');
    expect(await service.resolveExecutionId('loc-x')).toBe('loc-xyz');
    const ambiguous = await service.resolveExecutionId('loc-abc').catch((e) => e);
    expect(ambiguous.code).toBe('VALIDATION');
    expect(ambiguous.message).toContain('loc-abc111, loc-abc222');
    const unknown = await service.resolveExecutionId('nope').catch((e) => e);
    expect(unknown.code).toBe('NOT_FOUND');
  });
});
