import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  ConfigurationError,
  ConflictError,
  checkStartCapabilities,
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
import { sleep } from '@taskport/provider-utils';
import { newExecutionId } from './execution-id.js';
import {
  type LocalDatabase,
  openLocalDatabase,
  releaseLocalDatabase,
  sqliteError,
} from './local-database.js';
import { defaultDataDir } from './local-options.js';
import { isProcessAlive, processStartToken } from './process-identity.js';
import { connectUnixSocket, copyIntoSocket } from './socket-copy.js';
import { stdinSocketPath, stdinSocketProblem } from './stdin-socket.js';
import { readTask, reconcileTask, type TaskRow } from './task-table.js';

export interface LocalTaskExecutorOptions {
  /** Data directory (see LocalOptions.dataDir). @default the LocalOptions default */
  dataDir?: string;
  /** SIGTERM -> SIGKILL grace period in ms. @default 10000 */
  killGraceMs?: number;
  /** Pass the whole environment of this process to tasks (see LocalOptions.inheritEnv). @default false */
  inheritEnv?: boolean;
  /** Working directory of tasks. @default process.cwd() at startTask */
  cwd?: string;
  /** The compiled supervisor script. @default supervisor.js next to this module */
  supervisorPath?: string;
}

const PROVIDER = 'local';
/** What a task gets from the starting process's environment when inheritEnv is off. */
const PASSTHROUGH_ENV = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LC_ALL',
  'TZ',
  'TMPDIR',
  'TERM',
];

function resolveSupervisorPath(): string {
  const sibling = fileURLToPath(new URL('./supervisor.js', import.meta.url));
  if (existsSync(sibling)) return sibling;
  // Running from the TypeScript sources (tests): the supervisor must still be compiled JavaScript,
  // because it runs as its own plain `node` process.
  const built = fileURLToPath(new URL('../dist/supervisor.js', import.meta.url));
  if (existsSync(built)) return built;
  throw new ProviderError(
    `the supervisor script is missing (looked for ${sibling} and ${built}); build the package with \`pnpm --filter @taskport/local build\``,
    { provider: PROVIDER, operation: 'TaskExecutor.startTask' },
  );
}

/**
 * Runs tasks as processes on this machine, each under a detached supervisor (see supervisor.ts), with
 * state in the data directory's SQLite database, so any process can kill or describe a task that
 * another process started. There is no container runtime: the image is recorded but not used
 * (`capabilities.runsImages` is false).
 */
export class LocalTaskExecutor implements TaskExecutor {
  readonly provider = PROVIDER;
  readonly capabilities: TaskExecutorCapabilities = {
    killWhileStarting: true,
    // The supervisor enforces the deadline itself, whether or not the starting process is still there.
    nativeTimeout: true,
    runsImages: false,
    workingDir: true,
    stdin: true,
    stopSignal: true,
    stopGracePeriod: true,
  };
  private readonly dataDir: string;
  private readonly killGraceMs: number;
  private readonly inheritEnv: boolean;
  private readonly cwd: string | undefined;
  private readonly supervisorPath: string | undefined;

  constructor(options: LocalTaskExecutorOptions = {}) {
    this.dataDir = options.dataDir ?? defaultDataDir(process.env);
    this.killGraceMs = options.killGraceMs ?? 10_000;
    this.inheritEnv = options.inheritEnv ?? false;
    this.cwd = options.cwd;
    this.supervisorPath = options.supervisorPath;
  }

  /** Releases this adapter's use of the shared database connection (closed with its last user). */
  close(): void {
    releaseLocalDatabase(this.dataDir, this);
  }

  private get database(): LocalDatabase {
    return openLocalDatabase(this.dataDir, this);
  }

  async startTask(
    userEmail: string,
    request: TaskStartRequest,
    options: OperationOptions = {},
  ): Promise<TaskStartResult> {
    options.signal?.throwIfAborted();
    const valid = validateTaskStartRequest(userEmail, request, {
      provider: PROVIDER,
      operation: 'TaskExecutor.startTask',
    });
    const { command, env, secrets, timeoutSeconds } = valid;
    checkStartCapabilities(this, valid, { provider: PROVIDER, operation: 'TaskExecutor.startTask' });
    // Scoped to the user and the request: the same key from another user, or with another command,
    // is another task (see startIdempotencyToken).
    const token = startIdempotencyToken(userEmail, request);
    const idempotencyKey = token ? `v2:${token}` : null;
    const cwd = valid.workingDir ?? this.cwd ?? process.cwd();

    const database = this.database;
    const executionId = newExecutionId();
    const socketProblem = valid.interactive ? stdinSocketProblem(database.dataDir, executionId) : null;
    if (socketProblem) {
      throw new ConfigurationError(socketProblem, {
        provider: PROVIDER,
        operation: 'TaskExecutor.startTask',
      });
    }
    const createdAt = Date.now();
    let existing: TaskRow | undefined;
    try {
      // Check and insert under one write lock: two processes retrying with one key start one task.
      existing = database.immediate(() => {
        if (idempotencyKey !== null) {
          const found = database.db
            .prepare('SELECT * FROM tasks WHERE idempotency_key = ?')
            .get(idempotencyKey) as TaskRow | undefined;
          if (found) return found;
        }
        database.db
          .prepare(
            `INSERT INTO tasks (execution_id, status, command, image, image_id, env, secret_names, labels, cwd,
               timeout_seconds, kill_grace_ms, idempotency_key, request_id, created_by, created_at, interactive)
             VALUES (?, 'STARTING', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            executionId,
            JSON.stringify(command),
            request.image.image,
            request.image.imageId,
            JSON.stringify(env),
            JSON.stringify(Object.keys(secrets)),
            JSON.stringify(request.labels ?? {}),
            cwd,
            timeoutSeconds ?? null,
            this.killGraceMs,
            idempotencyKey,
            request.requestId,
            userEmail.trim(),
            createdAt,
            valid.interactive ? 1 : 0,
          );
        return undefined;
      });
    } catch (error) {
      throw sqliteError(error, 'TaskExecutor.startTask');
    }
    if (existing) {
      return { executionId: existing.execution_id, createdAt: new Date(existing.created_at).toISOString() };
    }
    await this.spawnSupervisor(database, executionId, secrets);
    return { executionId, createdAt: new Date(createdAt).toISOString() };
  }

  /**
   * Starts the detached supervisor and hands it the secrets through its stdin pipe: unlike argv (visible
   * to every user in `ps`) or the environment (readable in /proc/<pid>/environ), a pipe leaves nothing
   * behind once read. Resolves once the secrets are written, so a CLI may exit right after.
   */
  private async spawnSupervisor(
    database: LocalDatabase,
    executionId: string,
    secrets: Record<string, string>,
  ) {
    const baseEnv: Record<string, string> = {};
    for (const [name, value] of Object.entries(process.env)) {
      if (value !== undefined && (this.inheritEnv || PASSTHROUGH_ENV.includes(name))) baseEnv[name] = value;
    }
    let supervisorPath: string;
    try {
      supervisorPath = this.supervisorPath ?? resolveSupervisorPath();
    } catch (error) {
      this.markFailedToStart(database, executionId, (error as Error).message);
      throw error;
    }
    // Node 22.12 has node:sqlite only behind this flag; the supervisor needs whatever made it work here.
    const flags = process.execArgv.filter((flag) => flag === '--experimental-sqlite');
    // Loaded here, not imported: node:child_process brings net, dgram and their bindings (~40 internal
    // modules), which only starting a task needs; list, status and logs open this adapter too.
    const { spawn } = process.getBuiltinModule('node:child_process');
    const child = spawn(process.execPath, [...flags, supervisorPath, database.dataDir, executionId], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
      env: baseEnv,
      cwd: database.dataDir,
    });
    try {
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
    } catch (error) {
      const reason = `the supervisor process could not be started: ${(error as Error).message}`;
      this.markFailedToStart(database, executionId, reason);
      throw new ProviderError(reason, {
        provider: PROVIDER,
        operation: 'TaskExecutor.startTask',
        cause: error,
      });
    }
    const pid = child.pid!;
    try {
      database.db
        .prepare(
          'UPDATE tasks SET supervisor_pid = ?, supervisor_token = ? WHERE execution_id = ? AND supervisor_pid IS NULL',
        )
        .run(pid, processStartToken(pid), executionId);
    } catch (error) {
      // The supervisor records its own pid too, so the task is not lost; the caller still learns of it.
      throw sqliteError(error, 'TaskExecutor.startTask');
    } finally {
      const stdin = child.stdin!;
      // A supervisor that died at once closes the pipe (EPIPE); the liveness check then fails the task.
      stdin.on('error', () => {});
      await new Promise<void>((resolve) => stdin.end(JSON.stringify({ secrets }), () => resolve()));
      child.unref();
    }
  }

  private markFailedToStart(database: LocalDatabase, executionId: string, reason: string): void {
    database.db
      .prepare(
        `UPDATE tasks SET status = 'FAILED', stop_code = 'FAILED_TO_START', reason = ?, stopped_at = ?
         WHERE execution_id = ? AND status = 'STARTING'`,
      )
      .run(reason, Date.now(), executionId);
  }

  private read(executionId: string, operation: string): TaskRow {
    if (typeof executionId !== 'string' || executionId.trim() === '') {
      throw new ValidationError('an execution id is required', {
        provider: PROVIDER,
        operation,
        details: { field: 'executionId' },
      });
    }
    let row: TaskRow | undefined;
    try {
      row = readTask(this.database, executionId);
      if (row) row = reconcileTask(this.database, row);
    } catch (error) {
      throw sqliteError(error, operation);
    }
    if (!row) {
      throw new NotFoundError(
        `no local task with execution id "${executionId}" in ${this.database.dataDir}`,
        {
          provider: PROVIDER,
          operation,
          details: { executionId },
        },
      );
    }
    return row;
  }

  /**
   * Records the kill (and how to stop: the first signal, the grace) and wakes the supervisor, which reads
   * them and stops the task. A second kill with a shorter grace brings SIGKILL forward, as a `docker kill`
   * after a `docker stop` does.
   */
  async killTask(executionId: string, options: KillTaskOptions = {}): Promise<void> {
    const operation = 'TaskExecutor.killTask';
    const stop = validateStopOptions(options);
    options.signal?.throwIfAborted();
    const row = this.read(executionId, operation);
    const database = this.database;
    let current: TaskRow;
    try {
      current = database.immediate(() => {
        const now = readTask(database, executionId)!;
        if (isFinalStatus(now.status)) return now;
        database.db
          .prepare(
            `UPDATE tasks SET kill_requested_at = COALESCE(kill_requested_at, ?), status = 'TERMINATING',
               kill_signal = COALESCE(?, kill_signal), kill_requested_grace_ms = COALESCE(?, kill_requested_grace_ms)
             WHERE execution_id = ?`,
          )
          .run(
            Date.now(),
            stop.stopSignal ?? null,
            stop.gracePeriodSeconds === undefined ? null : stop.gracePeriodSeconds * 1000,
            executionId,
          );
        return now;
      });
    } catch (error) {
      throw sqliteError(error, operation);
    }
    if (isFinalStatus(current.status) || isFinalStatus(row.status)) {
      throw new ConflictError(
        `task ${executionId} has already finished (${current.status}); there is nothing to kill`,
        {
          provider: PROVIDER,
          operation,
          details: { executionId, status: current.status },
        },
      );
    }
    // A supervisor that is not ready yet reads the kill flag before it starts the command (see supervisor.ts).
    if (current.supervisor_ready && current.supervisor_pid !== null) {
      if (isProcessAlive(current.supervisor_pid, current.supervisor_token)) {
        try {
          process.kill(current.supervisor_pid, 'SIGTERM');
        } catch {
          // It exited in between: it recorded the end itself, or the next read converges the task.
        }
      }
    }
  }

  /**
   * Connects to the supervisor's stdin socket (waiting for it while the task starts) and copies `input`
   * into it; ending the connection closes the command's stdin.
   */
  async attachStdin(
    executionId: string,
    input: AsyncIterable<Uint8Array>,
    options: OperationOptions = {},
  ): Promise<void> {
    const operation = 'TaskExecutor.attachStdin';
    options.signal?.throwIfAborted();
    const socket = await this.connectStdin(executionId, operation, options.signal);
    await copyIntoSocket(input, socket, options.signal);
  }

  private async connectStdin(executionId: string, operation: string, signal: AbortSignal | undefined) {
    const conflict = (why: string) =>
      new ConflictError(`task ${executionId} ${why}`, {
        provider: PROVIDER,
        operation,
        details: { executionId },
      });
    const path = stdinSocketPath(this.database.dataDir, executionId);
    for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
      const row = this.read(executionId, operation);
      if (row.interactive === 0) throw conflict('was not started interactive (run -i); its stdin is empty');
      if (row.interactive === 2) throw conflict('already had its input: stdin takes one attach');
      if (isFinalStatus(row.status))
        throw conflict(`has already finished (${row.status}); it reads no input`);
      try {
        return await connectUnixSocket(path, signal);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        // Not listening yet (the supervisor is still starting the command) or just gone (it ended).
        if (code !== 'ENOENT' && code !== 'ECONNREFUSED') {
          throw new ProviderError(
            `cannot reach the stdin of task ${executionId}: ${(error as Error).message}`,
            {
              provider: PROVIDER,
              operation,
              cause: error,
            },
          );
        }
      }
      await sleep(delay, signal);
    }
  }

  async describeTask(executionId: string, options: OperationOptions = {}): Promise<TaskDescription> {
    options.signal?.throwIfAborted();
    return this.describeRow(this.read(executionId, 'TaskExecutor.describeTask'));
  }

  /** Removes the row of a finished task (a running one is kept: its supervisor still writes to it). */
  async forgetTask(executionId: string, options: OperationOptions = {}): Promise<void> {
    options.signal?.throwIfAborted();
    try {
      this.database.db
        .prepare(`DELETE FROM tasks WHERE execution_id = ? AND status IN ('SUCCEEDED', 'FAILED', 'STOPPED')`)
        .run(executionId);
    } catch (error) {
      throw sqliteError(error, 'TaskExecutor.forgetTask');
    }
  }

  /** Many tasks in one query (ids this data directory does not know are left out). */
  async describeTasks(
    executionIds: readonly string[],
    options: OperationOptions = {},
  ): Promise<Map<string, TaskDescription>> {
    options.signal?.throwIfAborted();
    const out = new Map<string, TaskDescription>();
    const ids = [...new Set(executionIds.filter((id) => typeof id === 'string' && id !== ''))];
    if (ids.length === 0) return out;
    const database = this.database;
    try {
      // SQLite allows 32766 parameters per statement; a page of the list is at most 1000.
      for (let i = 0; i < ids.length; i += 500) {
        const chunk = ids.slice(i, i + 500);
        const rows = database.db
          .prepare(`SELECT * FROM tasks WHERE execution_id IN (${chunk.map(() => '?').join(',')})`)
          .all(...chunk) as unknown as TaskRow[];
        for (const row of rows) out.set(row.execution_id, this.describeRow(reconcileTask(database, row)));
      }
    } catch (error) {
      throw sqliteError(error, 'TaskExecutor.describeTasks');
    }
    return out;
  }

  private describeRow(row: TaskRow): TaskDescription {
    const details: Record<string, string> = {
      runtime: 'process on this machine (no container)',
      image: row.image,
      imageId: row.image_id,
      imageUsed: 'no - the local executor records the image but runs the command on the host',
      dataDir: this.database.dataDir,
      workingDir: row.cwd,
    };
    if (row.task_pid !== null) details.pid = String(row.task_pid);
    if (row.supervisor_pid !== null) details.supervisorPid = String(row.supervisor_pid);
    const description: TaskDescription = { status: row.status, exitCode: row.exit_code, details };
    if (row.started_at !== null) description.startedAt = new Date(row.started_at).toISOString();
    if (row.stopped_at !== null && isFinalStatus(row.status))
      description.stoppedAt = new Date(row.stopped_at).toISOString();
    if (row.stop_code !== null && isFinalStatus(row.status)) description.stopCode = row.stop_code;
    if (row.reason !== null) description.reason = row.reason;
    else if (row.status === 'TERMINATING')
      description.reason = 'a kill was requested; waiting for the task to stop';
    return description;
  }
}
