import {
  ConflictError,
  checkStartCapabilities,
  checkStopCapabilities,
  isFinalStatus,
  type KillTaskOptions,
  NotFoundError,
  type OperationOptions,
  startIdempotencyToken,
  type TaskDescription,
  type TaskExecutor,
  type TaskExecutorCapabilities,
  type TaskStartRequest,
  type TaskStartResult,
  validateStopOptions,
  validateTaskStartRequest,
} from '@taskport/core';
import type { MemoryWorld } from './memory-world.js';

const PROVIDER = 'memory';

/**
 * Tasks in memory. Starting one records exactly what was asked and leaves it STARTING; the world's
 * runtime (a test) moves it on. Like a platform with a native deadline, it ends an overdue task itself.
 */
export class MemoryTaskExecutor implements TaskExecutor {
  readonly provider = PROVIDER;
  readonly capabilities: TaskExecutorCapabilities = {
    killWhileStarting: true,
    nativeTimeout: true,
    runsImages: false,
    workingDir: true,
    stdin: true,
    stopSignal: false,
    stopGracePeriod: false,
  };
  private readonly deadlines = new Map<string, NodeJS.Timeout>();
  private readonly byIdempotencyKey = new Map<string, string>();

  constructor(private readonly world: MemoryWorld) {}

  async startTask(
    userEmail: string,
    request: TaskStartRequest,
    options: OperationOptions = {},
  ): Promise<TaskStartResult> {
    const operation = 'TaskExecutor.startTask';
    const valid = validateTaskStartRequest(userEmail, request, { provider: PROVIDER, operation });
    checkStartCapabilities(this, valid, { provider: PROVIDER, operation });
    options.signal?.throwIfAborted();
    this.world.count(operation);
    // A key means one request of one user: the token covers the user, the key and the request's fingerprint.
    const key = startIdempotencyToken(userEmail, request);
    const existing = key ? this.byIdempotencyKey.get(key) : undefined;
    if (existing) {
      const task = this.world.tasks.get(existing);
      if (task) return { executionId: existing, createdAt: task.createdAt };
    }
    const executionId = `mem-${this.world.next().toString().padStart(6, '0')}-${Math.random().toString(16).slice(2, 10)}`;
    const createdAt = new Date().toISOString();
    this.world.tasks.set(executionId, {
      executionId,
      userEmail,
      // A copy: the platform keeps what it was sent, whatever the caller does with its objects later.
      request: structuredClone(request),
      state: { status: 'STARTING', exitCode: null, details: { imageId: request.image.imageId } },
      createdAt,
    });
    if (key) this.byIdempotencyKey.set(key, executionId);
    if (request.timeoutSeconds !== undefined) this.armDeadline(executionId, request.timeoutSeconds);
    this.world.changed();
    return { executionId, createdAt };
  }

  async killTask(executionId: string, options: KillTaskOptions = {}): Promise<void> {
    const operation = 'TaskExecutor.killTask';
    checkStopCapabilities(this, validateStopOptions(options), { provider: PROVIDER, operation });
    options.signal?.throwIfAborted();
    this.world.count(operation);
    const task = this.world.tasks.get(executionId);
    if (!task) throw new NotFoundError(`no task ${executionId}`, { provider: PROVIDER, operation });
    if (isFinalStatus(task.state.status)) {
      throw new ConflictError(`task ${executionId} has already finished (${task.state.status})`, {
        provider: PROVIDER,
        operation,
      });
    }
    this.clearDeadline(executionId);
    this.world.finish(task, {
      status: 'STOPPED',
      exitCode: task.state.status === 'RUNNING' ? 143 : null,
      stopCode: 'USER_INITIATED',
      reason: 'killed on request',
    });
  }

  /** Hands the input to the world's runtime (the command reads it there), then closes stdin. */
  async attachStdin(
    executionId: string,
    input: AsyncIterable<Uint8Array>,
    options: OperationOptions = {},
  ): Promise<void> {
    const operation = 'TaskExecutor.attachStdin';
    options.signal?.throwIfAborted();
    this.world.count(operation);
    const task = this.world.tasks.get(executionId);
    if (!task) throw new NotFoundError(`no task ${executionId}`, { provider: PROVIDER, operation });
    const refuse = (why: string) =>
      new ConflictError(`task ${executionId} ${why}`, { provider: PROVIDER, operation });
    if (task.request.interactive !== true) throw refuse('was not started interactive; its stdin is closed');
    if (isFinalStatus(task.state.status)) throw refuse(`has already finished (${task.state.status})`);
    if (this.world.stdin.has(executionId)) throw refuse('already had its input');
    const stdin = { chunks: [] as Uint8Array[], closed: false };
    this.world.stdin.set(executionId, stdin);
    try {
      for await (const chunk of input) {
        options.signal?.throwIfAborted();
        stdin.chunks.push(Uint8Array.from(chunk));
        this.world.changed();
      }
    } finally {
      stdin.closed = true;
      this.world.changed();
    }
  }

  async describeTask(executionId: string, options: OperationOptions = {}): Promise<TaskDescription> {
    const operation = 'TaskExecutor.describeTask';
    options.signal?.throwIfAborted();
    this.world.count(operation);
    const task = this.world.tasks.get(executionId);
    if (!task) throw new NotFoundError(`no task ${executionId}`, { provider: PROVIDER, operation });
    return structuredClone(task.state);
  }

  /** Clears the deadline timers, so a closed executor keeps nothing alive. */
  close(): void {
    for (const timer of this.deadlines.values()) clearTimeout(timer);
    this.deadlines.clear();
  }

  private armDeadline(executionId: string, seconds: number): void {
    const timer = setTimeout(() => {
      this.deadlines.delete(executionId);
      const task = this.world.tasks.get(executionId);
      if (!task) return;
      this.world.finish(task, {
        status: 'FAILED',
        exitCode: task.state.status === 'RUNNING' ? 143 : null,
        stopCode: 'TIMED_OUT',
        reason: `timed out after ${seconds} s`,
      });
    }, seconds * 1000);
    this.deadlines.set(executionId, timer);
  }

  private clearDeadline(executionId: string): void {
    clearTimeout(this.deadlines.get(executionId));
    this.deadlines.delete(executionId);
  }
}
