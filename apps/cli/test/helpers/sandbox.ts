import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built CLI; e2e tests drive the real binary, as a user does. */
export const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Written to taskport's stdin, which is then closed (without it stdin is /dev/null). */
  input?: string | Uint8Array;
}

/**
 * A private world for one test: its own data directory, HOME (so no user config is found) and working
 * directory, and an environment without the caller's TASKPORT_* variables.
 */
export class Sandbox {
  private constructor(
    readonly root: string,
    readonly dataDir: string,
    readonly env: Record<string, string>,
  ) {}

  static async create(): Promise<Sandbox> {
    const root = await mkdtemp(join(tmpdir(), 'taskport-e2e-'));
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env)) {
      if (
        value !== undefined &&
        !key.startsWith('TASKPORT_') &&
        key !== 'XDG_STATE_HOME' &&
        key !== 'NO_COLOR'
      ) {
        env[key] = value;
      }
    }
    const dataDir = join(root, 'data');
    Object.assign(env, { HOME: root, TASKPORT_DATA_DIR: dataDir, TASKPORT_USER: 'e2e@example.com' });
    return new Sandbox(root, dataDir, env);
  }

  /** Runs `taskport <args>` to completion. */
  run(args: string[], options: RunOptions = {}): Promise<CliResult> {
    const child = this.spawn(args, options);
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    return new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  /** Runs `taskport <args>` to completion, keeping stdout and stderr as bytes. */
  runBytes(
    args: string[],
    options: RunOptions = {},
  ): Promise<{ code: number | null; stdout: Buffer; stderr: Buffer }> {
    const child = this.spawn(args, options);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
    return new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err) }));
    });
  }

  /** Starts `taskport <args>` and returns the process, for tests that signal it. */
  spawn(args: string[], options: RunOptions = {}): ChildProcess {
    const env = { ...this.env };
    for (const [key, value] of Object.entries(options.env ?? {})) {
      if (value === undefined) delete env[key];
      else env[key] = value;
    }
    const child = spawn(process.execPath, [MAIN, ...args], {
      cwd: options.cwd ?? this.root,
      env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    if (options.input !== undefined) {
      child.stdin?.on('error', () => {});
      child.stdin?.end(options.input);
    }
    return child;
  }

  /** Runs a command that must succeed and returns its stdout. */
  async ok(args: string[], options: RunOptions = {}): Promise<string> {
    const result = await this.run(args, options);
    if (result.code !== 0) {
      throw new Error(`taskport ${args.join(' ')} exited ${result.code}\n${result.stderr}${result.stdout}`);
    }
    return result.stdout;
  }

  async json<T = unknown>(args: string[], options: RunOptions = {}): Promise<T> {
    return JSON.parse(await this.ok(args, options)) as T;
  }

  async cleanup(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }
}

/** Waits for `predicate` by polling (bounded by attempts, not by wall-clock assertions). */
export async function eventually<T>(
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  attempts = 200,
): Promise<T> {
  let last: T | undefined;
  for (let i = 0; i < attempts; i++) {
    last = await probe();
    if (accept(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`condition not met after ${attempts} attempts; last value: ${JSON.stringify(last)}`);
}

/** The ids `run` prints on stderr. */
export function idsOf(stderr: string): { executionId: string; requestId: string } {
  const match = /execution (\S+)\s+request (\S+)/.exec(stderr);
  if (!match) throw new Error(`no execution/request ids in stderr:\n${stderr}`);
  return { executionId: match[1] as string, requestId: match[2] as string };
}

/** The documented keys of an execution in --json output. */
export const EXECUTION_KEYS = [
  'executionId',
  'status',
  'exitCode',
  'stopCode',
  'reason',
  'command',
  'commandLine',
  'image',
  'imageId',
  'executor',
  'createdBy',
  'createdAt',
  'startedAt',
  'completedAt',
  'durationMs',
  'timeoutSeconds',
  'workingDir',
  'requestId',
  'labels',
  'envKeys',
].sort();

export const IMAGE_KEYS = [
  'imageId',
  'image',
  'reference',
  'isDefault',
  'cpu',
  'memory',
  'platform',
  'taskRole',
  'executionRole',
  'registeredBy',
  'createdAt',
  'providerRef',
].sort();

export interface ExecutionJson {
  executionId: string;
  status: string;
  exitCode: number | null;
  stopCode: string | null;
  reason: string | null;
  command: string | string[];
  envKeys: string[];
  labels: Record<string, string>;
  requestId: string;
  createdBy: string;
  timeoutSeconds: number | null;
  workingDir: string | null;
}

export interface ImageJson {
  imageId: string;
  image: string;
  isDefault: boolean;
  cpu: number;
  memory: number;
  platform: string;
}
