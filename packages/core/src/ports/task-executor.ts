import type { ImageInfo } from '../domain/image-info.js';
import type { StopOptions } from '../domain/stop-options.js';
import type { TaskDescription } from '../domain/task-description.js';
import type { OperationOptions } from './operation-options.js';

/** What the executor is asked to start: the request after validation, with the image already resolved. */
export interface TaskStartRequest {
  /** A string runs as `/bin/sh -c <command>`; an array is the argv. Passed as data, never templated. */
  command: string | readonly string[];
  /** The resolved image, possibly registered in another provider's registry. */
  image: ImageInfo;
  env: Record<string, string>;
  /** Secret environment; adapters must not log it nor write it anywhere but the task's environment. */
  secrets: Record<string, string>;
  /** Enforced by every executor (natively where the platform has a deadline). */
  timeoutSeconds?: number;
  labels: Record<string, string>;
  /** Same key -> same task; a retried start never launches a second one. */
  idempotencyKey?: string;
  /** The request that asked for the start; adapters tag provider resources with it. */
  requestId: string;
  /** Absolute directory the command starts in. Only where `capabilities.workingDir`. */
  workingDir?: string;
  /** Keep stdin open for one `attachStdin`. Only where `capabilities.stdin`. */
  interactive?: boolean;
}

/** What `killTask` takes: how to stop (see StopOptions) and the abort signal. */
export interface KillTaskOptions extends OperationOptions, StopOptions {}

export interface TaskStartResult {
  /** Opaque id, chosen by the executor; it is all the executor needs to kill or describe the task later. */
  executionId: string;
  /** ISO 8601; when the provider accepted the task. */
  createdAt?: string;
}

export interface TaskExecutorCapabilities {
  /** killTask works while the task is still STARTING (provisioning, pulling). */
  killWhileStarting: boolean;
  /** The platform enforces timeoutSeconds itself (otherwise a watchdog in the adapter does). */
  nativeTimeout: boolean;
  /** The image is really pulled and used (false for the local executor, which runs on the host). */
  runsImages: boolean;
  /** startTask honours `workingDir` (ECS and Cloud Run Jobs have no per-run override for it). */
  workingDir: boolean;
  /** startTask honours `interactive` and `attachStdin` delivers input to the running task. */
  stdin: boolean;
  /** killTask honours `stopSignal` (otherwise the platform sends its own, usually SIGTERM). */
  stopSignal: boolean;
  /** killTask honours `gracePeriodSeconds` (otherwise the platform's configured grace applies). */
  stopGracePeriod: boolean;
}

/** Starts, stops and reads the state of tasks on one compute platform. */
export interface TaskExecutor {
  /** Provider name, e.g. `local`, `aws`. */
  readonly provider: string;
  readonly capabilities: TaskExecutorCapabilities;

  /**
   * Starts the command on the platform. Resolves once the provider has accepted the task.
   * @throws ValidationError when the request does not fit this platform (checked before any provider call)
   * @throws UnavailableError when the provider is throttling or down after retries
   * @throws ProviderError for other provider failures
   */
  startTask(
    userEmail: string,
    request: TaskStartRequest,
    options?: OperationOptions,
  ): Promise<TaskStartResult>;

  /**
   * Asks the platform to stop the task (SIGTERM, then SIGKILL after a grace period, or the platform's
   * equivalent). Works while STARTING when `capabilities.killWhileStarting`. Resolves once the stop was
   * requested; the task reaches STOPPED shortly after. `stopSignal` and `gracePeriodSeconds` are honoured
   * where the capabilities say so, and are a ValidationError (before any provider call) elsewhere.
   * @throws NotFoundError when the executor knows no such task
   * @throws ConflictError when the task has already finished
   */
  killTask(executionId: string, options?: KillTaskOptions): Promise<void>;

  /**
   * Sends `input` to the stdin of a task started with `interactive: true`, then closes it (the task
   * reads EOF). One attach per task; waits for the task to be ready to read. Resolves once all of the
   * input was handed over and stdin closed, or when the task stopped reading (it ended).
   * Present exactly where `capabilities.stdin`.
   * @throws NotFoundError when the executor knows no such task
   * @throws ConflictError when the task was not started interactive, already had its input, or ended
   */
  attachStdin?(
    executionId: string,
    input: AsyncIterable<Uint8Array>,
    options?: OperationOptions,
  ): Promise<void>;

  /**
   * Provider truth about the task now.
   * @throws NotFoundError when the executor knows no such task
   */
  describeTask(executionId: string, options?: OperationOptions): Promise<TaskDescription>;

  /**
   * Retention (optional): forgets what the executor keeps about a finished task (the local executor's
   * task row). Unknown ids are no error.
   */
  forgetTask?(executionId: string, options?: OperationOptions): Promise<void>;

  /**
   * Provider truth about many tasks at once, in as few provider calls as the platform allows (ECS
   * DescribeTasks takes 100 ids per call). Optional: the Service falls back to `describeTask` per id.
   * Ids the executor does not know are absent from the result (never an error for the whole batch).
   * An empty list resolves to an empty map without any provider call.
   */
  describeTasks?(
    executionIds: readonly string[],
    options?: OperationOptions,
  ): Promise<Map<string, TaskDescription>>;
}
