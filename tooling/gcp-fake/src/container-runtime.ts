import { randomBytes } from 'node:crypto';
import type { CloudRunModel } from './cloud-run-model.js';
import type { Execution } from './cloud-run-types.js';
import type { LogEntryMessage, LoggingModel } from './logging-model.js';
import { toStruct } from './logging-model.js';
import { runProgram } from './mini-shell.js';
import { parseExecutionName } from './resource-names.js';
import { durationSeconds, preciseTimestamp } from './time.js';

/** What the fake knows of an image: its ENTRYPOINT and CMD (none by default, like alpine's ENTRYPOINT). */
export interface FakeImage {
  entrypoint?: string[];
  cmd?: string[];
}

interface Running {
  controller: AbortController;
  done: Promise<void>;
}

const EXECUTION_LABEL = 'run.googleapis.com/execution_name';

/**
 * Plays the Cloud Run job runtime for executions the API created: pulls nothing, but runs the container's
 * process as Cloud Run would - ENTRYPOINT (the job container's `command`, else the image's) followed by the
 * run's `args` (else the container's, else the image's CMD), with the execution's environment (Secret
 * Manager references resolved from `secrets`) - through the fake's small set of programs. It writes what
 * the program prints as Cloud Logging entries of the job (stdout / stderr log names, the execution label),
 * enforces the task timeout, and honours cancellation and deletion.
 */
export class FakeContainerRuntime {
  /** Secret Manager, as far as the runtime needs it: `projects/p/secrets/name` -> value. */
  readonly secrets = new Map<string, string>();
  readonly images = new Map<string, FakeImage>();
  private readonly running = new Map<string, Running>();
  private lastNs = 0n;

  constructor(
    private readonly run: CloudRunModel,
    private readonly logging: LoggingModel,
  ) {
    run.onExecutionEnd((execution) => this.running.get(execution.name)?.controller.abort('ended'));
  }

  /** The process Cloud Run would start for the execution's (first) container. */
  argvOf(executionName: string): string[] {
    const container = this.run.getExecution({ name: executionName }).template.containers?.[0];
    const image = this.images.get(container?.image ?? '') ?? {};
    const entrypoint = container?.command?.length ? container.command : (image.entrypoint ?? []);
    // A container `command` resets the image's CMD, as in Kubernetes and Docker.
    const args = container?.args?.length
      ? container.args
      : container?.command?.length
        ? []
        : (image.cmd ?? []);
    return [...entrypoint, ...args];
  }

  /** The environment the container gets, secrets resolved. Throws for a secret that does not exist. */
  environmentOf(executionName: string): Record<string, string> {
    const execution = this.run.getExecution({ name: executionName });
    const env: Record<string, string> = {
      CLOUD_RUN_JOB: execution.job,
      CLOUD_RUN_EXECUTION: executionName.split('/').pop()!,
      CLOUD_RUN_TASK_INDEX: '0',
      CLOUD_RUN_TASK_ATTEMPT: '0',
      CLOUD_RUN_TASK_COUNT: String(execution.taskCount),
    };
    for (const variable of execution.template.containers?.[0]?.env ?? []) {
      const ref = variable.valueSource?.secretKeyRef;
      if (ref?.secret) {
        const { project } = parseExecutionName(executionName);
        const key = ref.secret.includes('/') ? ref.secret : `projects/${project}/secrets/${ref.secret}`;
        const value = this.secrets.get(key);
        if (value === undefined) throw new Error(`secret ${key} does not exist`);
        env[variable.name!] = value;
      } else {
        env[variable.name!] = variable.value ?? '';
      }
    }
    return env;
  }

  /**
   * Starts the execution's container and resolves once it runs (the execution is RUNNING). `exited`
   * resolves when the process has ended and the execution is final.
   */
  start(executionName: string): { exited: Promise<void> } {
    const existing = this.running.get(executionName);
    if (existing) return { exited: existing.done };
    const execution = this.run.markRunning(executionName);
    const controller = new AbortController();
    const done = this.execute(execution, controller.signal).finally(() => this.running.delete(executionName));
    this.running.set(executionName, { controller, done });
    return { exited: done };
  }

  /** Writes lines as the job's logging agent would (for drivers that print without a program). */
  print(executionName: string, stream: 'stdout' | 'stderr', lines: readonly string[]): void {
    const execution = this.run.getExecution({ name: executionName });
    for (const line of lines) this.logging.ingest(this.entry(execution, stream, line));
  }

  /** Stops every running program (server shutdown). */
  stopAll(): void {
    for (const { controller } of this.running.values()) controller.abort('shutdown');
  }

  private async execute(execution: Execution, signal: AbortSignal): Promise<void> {
    const name = execution.name;
    const timeoutSeconds = durationSeconds(execution.template.timeout) ?? 600;
    const timer = setTimeout(() => timedOut.abort('timeout'), timeoutSeconds * 1000);
    const timedOut = new AbortController();
    const stop = AbortSignal.any([signal, timedOut.signal]);
    const partial = { stdout: '', stderr: '' };
    const flush = (stream: 'stdout' | 'stderr', all: boolean) => {
      const lines = partial[stream].split('\n');
      partial[stream] = all ? '' : lines.pop()!;
      if (all && lines[lines.length - 1] === '') lines.pop();
      for (const line of lines) this.logging.ingest(this.entry(execution, stream, line));
    };
    let exitCode: number;
    try {
      let env: Record<string, string>;
      try {
        env = this.environmentOf(name);
      } catch (error) {
        this.run.finishTask(name, {
          status: { code: 7, message: (error as Error).message },
          message: `Task failed to start: ${(error as Error).message}`,
        });
        return;
      }
      exitCode = await runProgram(this.argvOf(name), {
        env,
        write: (stream, text) => {
          if (stop.aborted) return;
          partial[stream] += text;
          flush(stream, false);
        },
        sleep: (seconds) =>
          new Promise<void>((resolve, reject) => {
            const wait = setTimeout(resolve, seconds * 1000);
            stop.addEventListener(
              'abort',
              () => {
                clearTimeout(wait);
                reject(stop.reason);
              },
              { once: true },
            );
          }),
      });
    } catch (error) {
      if (!stop.aborted) throw error;
      exitCode = -1;
    } finally {
      clearTimeout(timer);
    }
    flush('stdout', true);
    flush('stderr', true);
    if (signal.aborted) return; // cancelled or deleted: the API already recorded the end
    if (timedOut.signal.aborted) {
      const task = this.run.tasks.get(name)?.[0]?.name.split('/').pop();
      this.system(
        execution,
        `Task ${task} was terminated: it reached the maximum timeout of ${timeoutSeconds}s.`,
      );
      this.run.finishTask(name, {
        status: {
          code: 4,
          message: `The task has been terminated because it has reached the maximum timeout of ${timeoutSeconds} seconds.`,
        },
        message: `Task ${task} failed: the task has been terminated because it has reached the maximum timeout of ${timeoutSeconds} seconds.`,
      });
      return;
    }
    this.system(execution, `Container called exit(${exitCode}).`);
    this.run.finishTask(name, { exitCode });
  }

  private system(execution: Execution, text: string): void {
    const entry = this.entry(execution, 'stdout', text);
    entry.logName = entry.logName!.replace(/stdout$/, 'varlog%2Fsystem');
    entry.severity = 'INFO';
    this.logging.ingest(entry);
  }

  private entry(execution: Execution, stream: 'stdout' | 'stderr', line: string): LogEntryMessage {
    const { project, location } = parseExecutionName(execution.name);
    const ns = BigInt(Date.now()) * 1_000_000n;
    this.lastNs = ns > this.lastNs ? ns : this.lastNs + 1n;
    const entry: LogEntryMessage = {
      logName: `projects/${project}/logs/run.googleapis.com%2F${stream}`,
      resource: { type: 'cloud_run_job', labels: { job_name: execution.job, location, project_id: project } },
      labels: {
        [EXECUTION_LABEL]: execution.name.split('/').pop()!,
        'run.googleapis.com/task_index': '0',
        'run.googleapis.com/task_attempt': '0',
        instanceId: `00${randomBytes(8).toString('hex')}`,
      },
      timestamp: preciseTimestamp(this.lastNs),
      severity: stream === 'stderr' ? 'ERROR' : 'DEFAULT',
    };
    // Cloud Run's agent parses a line that is a JSON object into jsonPayload.
    const json = parseJsonObject(line);
    if (json) entry.jsonPayload = toStruct(json);
    else entry.textPayload = line;
    return entry;
  }
}

function parseJsonObject(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
