/**
 * What a user asks to run. The command reaches the task as data, never pasted into a script:
 * a string runs as `/bin/sh -c <command>`; an array is the argv itself (exec form, like `docker run`).
 */
export interface ExecutionRequest {
  command: string | readonly string[];
  /** ImageID or image name; empty means the default image. */
  image?: string;
  /** Environment of the task. Values are stored on the execution record; put secrets in `secrets`. */
  env?: Record<string, string>;
  /** Environment variables whose values are secret: passed to the task, never stored, logged or echoed. */
  secrets?: Record<string, string>;
  /** Wall-clock limit; every provider enforces it. Max 7 days. */
  timeoutSeconds?: number;
  /** Free-form labels, applied to provider resources where the provider has labels/tags. */
  labels?: Record<string, string>;
  /** Retrying a start with the same key never launches a second task. */
  idempotencyKey?: string;
  /**
   * Absolute directory the command starts in (as `docker run --workdir`); absent: the image's own
   * working directory (the local executor: the directory taskport was started from).
   */
  workingDir?: string;
  /**
   * Keep the task's stdin open for input sent with `OrchestratorService.sendInput` (as `docker run -i`);
   * without it the task's stdin is empty. Only where `capabilities.stdin`.
   */
  interactive?: boolean;
}

/** Validated, normalised form of an ExecutionRequest (see `validateExecutionRequest`). */
export interface NormalisedExecutionRequest {
  command: string | readonly string[];
  image: string;
  env: Record<string, string>;
  secrets: Record<string, string>;
  timeoutSeconds: number | undefined;
  labels: Record<string, string>;
  idempotencyKey: string | undefined;
  workingDir: string | undefined;
  interactive: boolean;
}

/** The argv a command runs as: a string goes through `/bin/sh -c`, an array is used as is. */
export function commandArgv(command: string | readonly string[]): string[] {
  return typeof command === 'string' ? ['/bin/sh', '-c', command] : [...command];
}

/** A one-line rendering of a command for lists and logs (arrays are shell-quoted for reading only). */
export function displayCommand(command: string | readonly string[]): string {
  if (typeof command === 'string') return command;
  return command
    .map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`))
    .join(' ');
}
