import { spawn } from 'node:child_process';
import { constants, tmpdir } from 'node:os';
import { createInterface } from 'node:readline';

/** One line a command printed, stamped when it was read. */
export interface HostOutputLine {
  stream: 'stdout' | 'stderr';
  message: string;
  timestamp: number;
}

/** How a command run by `runOnHost` ended. */
export type HostExit =
  /** It ran and exited; a death by signal N counts as exit code 128 + N, as container runtimes report it. */
  | { kind: 'exited'; exitCode: number }
  /** The program could not be started (no such file, not executable): a container that fails to start. */
  | { kind: 'failedToStart'; reason: string };

export interface HostRun {
  /** Settles once the command has ended and every line of its output was handed to `onLine`. */
  readonly exited: Promise<HostExit>;
  /**
   * Stops it as a runtime stops a container: `signal` (default SIGTERM), then SIGKILL after `graceMs`
   * (default 2 s; 0 sends SIGKILL only).
   */
  stop(graceMs?: number, signal?: NodeJS.Signals): void;
  /** With `stdin: true`: writes to the command's stdin (resolves once handed to the pipe). */
  write(bytes: Uint8Array): Promise<void>;
  /** With `stdin: true`: closes the command's stdin (it reads EOF). */
  endInput(): void;
}

/**
 * The PATH a container gets when its image sets none (Docker's default), so `printf` and `sleep` are
 * found without handing the host's environment to the task.
 */
export const CONTAINER_DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * Runs an argv on this machine as a container runtime would run it: exactly that argv (a string command
 * reaches here as `['/bin/sh', '-c', ...]` only if the adapter sent it so), with exactly the given
 * environment (plus a default PATH when it has none) and nothing of the host's. For drivers of emulated
 * platforms: hand it the command and environment the platform received, write the lines where the
 * platform's log collector would, and report the exit code as the platform would.
 */
export function runOnHost(
  argv: readonly string[],
  options: {
    env: Record<string, string>;
    onLine: (line: HostOutputLine) => void;
    /** The working directory the platform received. @default the temporary directory */
    cwd?: string;
    /** Keep stdin open for `write`/`endInput` (an interactive container); otherwise it is empty. */
    stdin?: boolean;
  },
): HostRun {
  const [program, ...args] = argv;
  if (!program) {
    return {
      exited: Promise.resolve({ kind: 'failedToStart', reason: 'the container has no command' }),
      stop() {},
      async write() {},
      endInput() {},
    };
  }
  const child = spawn(program, args, {
    env: { PATH: CONTAINER_DEFAULT_PATH, ...options.env },
    cwd: options.cwd ?? tmpdir(),
    stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    // Its own process group, so a stop reaches what a shell command started too.
    detached: true,
  });
  let lastTimestamp = 0;
  const read = (stream: 'stdout' | 'stderr', input: NodeJS.ReadableStream) =>
    new Promise<void>((done) => {
      const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
      lines.on('line', (message) => {
        // Strictly increasing, so lines read in one chunk keep their order wherever they are stored.
        lastTimestamp = Math.max(Date.now(), lastTimestamp + 1);
        options.onLine({ stream, message, timestamp: lastTimestamp });
      });
      lines.on('close', done);
    });
  const output = Promise.all([read('stdout', child.stdout!), read('stderr', child.stderr!)]);
  let killTimer: NodeJS.Timeout | undefined;
  const exited = new Promise<HostExit>((resolve) => {
    child.once('error', (error) => {
      resolve({ kind: 'failedToStart', reason: `exec ${JSON.stringify(program)}: ${error.message}` });
    });
    child.once('close', (code, signal) => {
      clearTimeout(killTimer);
      const bySignal = signal ? 128 + (constants.signals[signal] ?? 0) : null;
      void output.then(() => resolve({ kind: 'exited', exitCode: code ?? bySignal ?? 255 }));
    });
  });
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // Already gone.
    }
  };
  return {
    exited,
    stop(graceMs = 2000, signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (graceMs <= 0) {
        signalGroup('SIGKILL');
        return;
      }
      signalGroup(signal);
      killTimer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
      killTimer.unref();
    },
    write(bytes) {
      const input = child.stdin;
      if (!input || input.destroyed) return Promise.resolve();
      // A command that stopped reading (it ended) is no error for the writer, as with a container.
      input.on('error', () => {});
      return new Promise((resolve) => input.write(bytes, () => resolve()));
    },
    endInput() {
      child.stdin?.end();
    },
  };
}
