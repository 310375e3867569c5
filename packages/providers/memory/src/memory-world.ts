import {
  type BackendLogEntry,
  type Execution,
  type ImageInfo,
  type LogEvent,
  type LogStream,
  makeEventId,
  NotFoundError,
  type TaskDescription,
  type TaskStartRequest,
} from '@taskport/core';

/** One task as the in-memory "platform" holds it. */
export interface MemoryTask {
  executionId: string;
  userEmail: string;
  /** Exactly what the executor was asked to start, as a platform would receive it. */
  request: TaskStartRequest;
  state: TaskDescription;
  createdAt: string;
}

type Listener = () => void;

/**
 * The shared state behind every memory adapter of one deployment, and the controllable runtime: a test
 * (or a library user's own test) says when a task starts, what it prints and how it exits. Nothing runs
 * by itself except what a platform does on its own: enforcing a task's timeout.
 *
 * Adapters built with the same world see each other's data, as the ports of one real provider do.
 */
export class MemoryWorld {
  readonly tasks = new Map<string, MemoryTask>();
  readonly output = new Map<string, LogEvent[]>();
  readonly images = new Map<string, ImageInfo>();
  defaultImageId: string | undefined;
  readonly executions = new Map<string, Execution>();
  /** Every request that created or changed each execution record. */
  readonly executionRequests = new Map<string, Set<string>>();
  readonly backendLines: (BackendLogEntry & { timestamp: number })[] = [];
  /** Calls per `Port.method`, so tests can prove that bad input made no provider call. */
  readonly calls = new Map<string, number>();
  /** The platform's secret store: reference -> value. Tasks get the value where their request names the reference. */
  readonly secretStore = new Map<string, string>();
  /** Input sent to interactive tasks (attachStdin), for the runtime to hand to the command. */
  readonly stdin = new Map<string, { chunks: Uint8Array[]; closed: boolean }>();
  private readonly listeners = new Set<Listener>();
  private sequence = 0;

  /** Counts one provider call (every adapter method that would reach a real backend calls this first). */
  count(operation: string): void {
    this.calls.set(operation, (this.calls.get(operation) ?? 0) + 1);
  }

  /** Total calls made through the adapters of this world. */
  totalCalls(): number {
    let total = 0;
    for (const value of this.calls.values()) total += value;
    return total;
  }

  /** A monotonic counter for ordering (registration order, event ids). */
  next(): number {
    return ++this.sequence;
  }

  /** Wakes every follower waiting for a change (new output, a state change). */
  changed(): void {
    for (const listener of [...this.listeners]) listener();
  }

  /** Resolves at the next change, or after `ms`, whichever comes first. */
  nextChange(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(done);
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        done();
        reject(signal?.reason);
      };
      const timer = setTimeout(done, ms);
      this.listeners.add(done);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Stores a secret and returns the reference (`memory-secret:<n>`) to pass as a `secrets` value. */
  storeSecret(value: string): string {
    const reference = `memory-secret:${this.next()}`;
    this.secretStore.set(reference, value);
    return reference;
  }

  /**
   * The environment a task's container gets, as a platform injects it: plain env, then secrets, with
   * references into the secret store resolved to their values.
   */
  containerEnvironment(executionId: string): Record<string, string> {
    const { request } = this.task(executionId);
    const secrets = Object.fromEntries(
      Object.entries(request.secrets).map(([name, value]) => [name, this.secretStore.get(value) ?? value]),
    );
    return { ...request.env, ...secrets };
  }

  // ---- The controllable runtime --------------------------------------------------------------------

  private task(executionId: string): MemoryTask {
    const task = this.tasks.get(executionId);
    if (!task) throw new NotFoundError(`no task ${executionId} in this memory world`, { provider: 'memory' });
    return task;
  }

  /** The task's container starts running its command. */
  start(executionId: string): void {
    const task = this.task(executionId);
    if (task.state.status !== 'STARTING') return;
    task.state = { ...task.state, status: 'RUNNING', startedAt: new Date().toISOString() };
    this.changed();
  }

  /** The running command prints one line (the platform's log collector records it). */
  print(executionId: string, message: string, stream: LogStream = 'stdout'): void {
    const task = this.task(executionId);
    if (task.state.status !== 'RUNNING') {
      throw new Error(`task ${executionId} is ${task.state.status}: only a running task prints`);
    }
    const events = this.output.get(executionId) ?? [];
    const timestamp = Math.max(Date.now(), events.at(-1)?.timestamp ?? 0);
    events.push({ timestamp, message, stream, eventId: makeEventId(timestamp, events.length, message) });
    this.output.set(executionId, events);
    this.changed();
  }

  /** The command exits by itself with `exitCode`. */
  exit(executionId: string, exitCode: number): void {
    const task = this.task(executionId);
    if (task.state.status === 'STARTING') this.start(executionId);
    this.finish(task, {
      status: exitCode === 0 ? 'SUCCEEDED' : 'FAILED',
      exitCode,
      stopCode: 'EXITED',
      reason: `exited with code ${exitCode}`,
    });
  }

  /** The platform could not start the task (image pull, capacity). */
  failToStart(executionId: string, reason: string): void {
    this.finish(this.task(executionId), {
      status: 'FAILED',
      exitCode: null,
      stopCode: 'FAILED_TO_START',
      reason,
    });
  }

  /**
   * The platform forgets the task, as ECS does about an hour after a stop (MISSING) or Kubernetes does
   * for a deleted Job: `describeTask` answers NotFound from now on; its output stays.
   */
  forget(executionId: string): void {
    this.task(executionId);
    this.tasks.delete(executionId);
    this.changed();
  }

  /** Moves a task to a final state unless it already is in one. */
  finish(task: MemoryTask, end: Pick<TaskDescription, 'status' | 'exitCode' | 'stopCode' | 'reason'>): void {
    if (
      task.state.status !== 'STARTING' &&
      task.state.status !== 'RUNNING' &&
      task.state.status !== 'TERMINATING'
    ) {
      return;
    }
    task.state = { ...task.state, ...end, stoppedAt: new Date().toISOString() };
    this.changed();
  }
}

const worlds = new Map<string, MemoryWorld>();

/** The world of this name in this process, created on first use: ports configured with the same name share it. */
export function memoryWorld(name = 'default'): MemoryWorld {
  let world = worlds.get(name);
  if (!world) {
    world = new MemoryWorld();
    worlds.set(name, world);
  }
  return world;
}

/** Forgets a named world (tests). */
export function dropMemoryWorld(name: string): void {
  worlds.delete(name);
}
