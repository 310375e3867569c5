/**
 * What a contract test wants a task to do, said once so that two kinds of backend can honour it:
 *
 * - Real runtimes (local processes) run `commandFor(behaviour)`, a real shell command that does it.
 * - Emulators that do not run containers (moto, the Cloud Run fake, a bare kube-apiserver) get the same
 *   behaviour through their `ContractDriver`, which plays the container runtime: it moves the task to
 *   RUNNING/STOPPED with the exit code and writes the log lines where the platform would.
 */
export type TaskBehaviour =
  /** Print these lines (stdout, then stderr) and exit with `exitCode`. */
  | { kind: 'exit'; exitCode: number; stdout?: readonly string[]; stderr?: readonly string[] }
  /** Print `NAME=value` on stdout for each name, from the task's environment, and exit 0. */
  | { kind: 'printEnv'; names: readonly string[] }
  /** Print `lines` on stdout one by one, `intervalMs` apart, then exit 0. */
  | { kind: 'slowLines'; lines: readonly string[]; intervalMs: number }
  /** Run (silently) until killed or timed out. */
  | { kind: 'sleep'; seconds: number }
  /**
   * Run `printf '%s\n' ...args` as an argv (no shell): each argument on its own line, exactly as given
   * (no word splitting, no expansion), then exit 0. Its command is an array, the only behaviour so.
   */
  | { kind: 'printArgs'; args: readonly string[] }
  /** Print the directory it runs in (`pwd`), then exit 0. */
  | { kind: 'printWorkingDir' }
  /** Copy stdin to stdout until EOF, then print `after` and exit 0. */
  | { kind: 'echoStdin'; after: string }
  /**
   * Print `ready` once its signal handlers are set, then run until killed. On SIGTERM it prints
   * `got-SIGTERM` and keeps running; on SIGINT it prints `got-SIGINT` and exits 7.
   */
  | { kind: 'handleSignals'; ready: string };

/** The behaviours whose real command is a shell command line (a string). */
export type ShellBehaviour = Exclude<TaskBehaviour, { kind: 'printArgs' }>;

/** The program and format of a `printArgs` argv: the arguments follow them. */
export const PRINT_ARGS_PROGRAM = ['printf', '%s\n'] as const;

/** POSIX-shell single quoting, for building test commands only. */
function quote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * The real command that carries out a behaviour: a shell command line (for `/bin/sh -c`), or for
 * `printArgs` the argv itself.
 */
export function commandFor(behaviour: ShellBehaviour): string;
export function commandFor(behaviour: TaskBehaviour): string | readonly string[];
export function commandFor(behaviour: TaskBehaviour): string | readonly string[] {
  switch (behaviour.kind) {
    case 'exit': {
      const out = (behaviour.stdout ?? []).map((line) => `printf '%s\\n' ${quote(line)}`);
      const err = (behaviour.stderr ?? []).map((line) => `printf '%s\\n' ${quote(line)} >&2`);
      return [...out, ...err, `exit ${behaviour.exitCode}`].join('; ');
    }
    case 'printEnv':
      return behaviour.names.map((name) => `printf '%s=%s\\n' ${quote(name)} "$${name}"`).join('; ');
    case 'slowLines': {
      const seconds = (behaviour.intervalMs / 1000).toFixed(3);
      return behaviour.lines.map((line) => `printf '%s\\n' ${quote(line)}; sleep ${seconds}`).join('; ');
    }
    case 'sleep':
      return `sleep ${behaviour.seconds}`;
    case 'printArgs':
      return [...PRINT_ARGS_PROGRAM, ...behaviour.args];
    case 'printWorkingDir':
      return 'pwd';
    case 'echoStdin':
      return `cat; printf '%s\\n' ${quote(behaviour.after)}`;
    case 'handleSignals':
      // A short sleep in a loop: the shell runs a trap only between commands.
      return [
        `trap "printf '%s\\n' got-SIGTERM" TERM`,
        `trap "printf '%s\\n' got-SIGINT; exit 7" INT`,
        `printf '%s\\n' ${quote(behaviour.ready)}`,
        'while :; do sleep 0.1; done',
      ].join('; ');
  }
}
