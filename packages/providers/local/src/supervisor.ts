/**
 * The detached supervisor of one local task: `node supervisor.js <dataDir> <executionId>`.
 *
 * The process that starts a task (often a CLI that exits at once) spawns this script detached, so the
 * task outlives it. The supervisor reads the task from the database, receives the secrets on stdin (a
 * pipe: they are never in argv, the database or a file), runs the command in its own process group,
 * writes its output line by line, enforces the timeout, carries out kills (SIGTERM, then SIGKILL after
 * the grace period) and records how the task ended. If the supervisor itself dies, the next reader of
 * the task notices (see task-table.ts) and converges it to FAILED/RUNTIME_LOST. If the database goes (the
 * data directory was removed), the supervisor kills the task and ends, and never recreates either.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { constants } from 'node:os';
import { commandArgv, type ExecutionStatus, isFinalStatus, type StopCode } from '@taskport/core';
import { LocalDatabase } from './local-database.js';
import { LogLineWriter, STDERR, STDOUT } from './log-line-writer.js';
import { processStartToken, signalProcessGroup } from './process-identity.js';
import { stdinSocketDirectory, stdinSocketPath } from './stdin-socket.js';
import { readTask, type TaskRow } from './task-table.js';

/** After the command exits, how long to wait for its pipes to close (background children may hold them). */
const DRAIN_AFTER_EXIT_MS = 1000;

/** How often to check that the database is still there (see `abandon`). */
const DATABASE_CHECK_MS = 500;

const [dataDir, executionId] = process.argv.slice(2);
// So `ps` shows what this process is for.
process.title = `taskport-supervisor ${executionId ?? ''}`;

let database: LocalDatabase | undefined;
let writer: LogLineWriter | undefined;
let child: ChildProcess | undefined;
let taskToken: string | null = null;
let killRequested = false;
let timedOut = false;
const stopSignalsSent: string[] = [];
let finished = false;
/** The command's own process has exited (its pipes may still be open). */
let commandExited = false;
let deadline: NodeJS.Timeout | undefined;
/** The socket an interactive task's stdin is written through (see stdin-socket.ts). */
let stdinListener: { close(): void } | undefined;

function signalTask(signal: NodeJS.Signals): void {
  if (child?.pid === undefined) return;
  if (signalProcessGroup(child.pid, taskToken, signal)) stopSignalsSent.push(signal);
}

/** When SIGKILL is due (ms since the epoch), once a stop has begun. */
let killDueAt: number | undefined;
let escalation: NodeJS.Timeout | undefined;
/** The grace the stop actually used, for the reason. */
let usedGraceMs: number | undefined;

/**
 * Stops the task's group: `signal` now, SIGKILL after `graceMs` if it is still there (at once for 0). A
 * later stop with a shorter grace brings SIGKILL forward; it never sends the first signal twice.
 */
function stopTask(graceMs: number, signal: NodeJS.Signals = 'SIGTERM'): void {
  if (child?.pid === undefined || finished) return;
  const now = Date.now();
  const dueAt = now + Math.max(0, graceMs);
  if (killDueAt !== undefined && dueAt >= killDueAt) return;
  if (killDueAt === undefined) {
    usedGraceMs = Math.max(0, graceMs);
    if (graceMs <= 0 || signal === 'SIGKILL') {
      killDueAt = now;
      signalTask('SIGKILL');
      return;
    }
    signalTask(signal);
  } else {
    usedGraceMs = (usedGraceMs ?? 0) - (killDueAt - dueAt);
  }
  killDueAt = dueAt;
  clearTimeout(escalation);
  escalation = setTimeout(() => {
    if (!finished) signalTask('SIGKILL');
  }, dueAt - now);
  escalation.unref();
}

/** A kill recorded in the database: its first signal and grace (NULL: SIGTERM and the default grace). */
function stopOnRequest(): void {
  killRequested = true;
  let signal: NodeJS.Signals = 'SIGTERM';
  let grace = graceMs;
  try {
    const row = database && executionId ? readTask(database, executionId) : undefined;
    if (row?.kill_signal) signal = row.kill_signal as NodeJS.Signals;
    if (typeof row?.kill_requested_grace_ms === 'number') grace = row.kill_requested_grace_ms;
  } catch {
    // The database is busy or gone: stop the default way rather than not at all.
  }
  stopTask(grace, signal);
}

let graceMs = 10_000;
// A kill request arrives as SIGTERM to the supervisor. Installed before anything else, so a kill can never
// hit the default handler (which would kill the supervisor and orphan the task).
process.on('SIGTERM', stopOnRequest);
// Detached in its own session, so these only come from someone signalling it on purpose.
process.on('SIGINT', stopOnRequest);
process.on('SIGHUP', () => {});

/**
 * The database was deleted or replaced under us, usually with its data directory. Nothing can be recorded
 * any more, and nobody can see the task or stop it through taskport, so it must not run on unobserved:
 * kill its process group and end, without writing (into a file nobody will read) and without closing the
 * connection (which would checkpoint into it).
 */
function abandon(): never {
  finished = true;
  signalTask('SIGKILL');
  process.exit(1);
}

function finish(
  outcome: { status: ExecutionStatus; stopCode: StopCode; exitCode: number | null; reason: string },
  exitProcess = true,
): void {
  if (finished) return;
  if (database?.isGone()) abandon();
  finished = true;
  try {
    // Lines first, status last: whoever sees the final status can read all of the output.
    writer?.close();
  } catch {
    // The status must still be written; the lines that failed are reported in the reason below.
    outcome = { ...outcome, reason: `${outcome.reason} (some output could not be written)` };
  }
  const db = database;
  if (db && executionId) {
    db.immediate(() => {
      const current = readTask(db, executionId);
      if (!current || isFinalStatus(current.status)) return;
      let final = outcome;
      // A kill asked for in the database counts even if its signal never reached us.
      if (current.kill_requested_at !== null && outcome.stopCode === 'EXITED') {
        final = {
          ...outcome,
          status: 'STOPPED',
          stopCode: 'USER_INITIATED',
          reason: `stopped on request; ${outcome.reason}`,
        };
      }
      db.db
        .prepare(
          'UPDATE tasks SET status = ?, stop_code = ?, exit_code = ?, reason = ?, stopped_at = ? WHERE execution_id = ?',
        )
        .run(final.status, final.stopCode, final.exitCode, final.reason, Date.now(), executionId);
    });
    db.close();
  }
  if (exitProcess) process.exit(0);
}

function describeSignals(): string {
  if (stopSignalsSent.length === 0) return '';
  const unique = [...new Set(stopSignalsSent)];
  return unique.length > 1
    ? ` (${unique[0]}, then ${unique.at(-1)} after ${usedGraceMs ?? graceMs} ms)`
    : ` (${unique[0]})`;
}

function onExit(row: TaskRow, code: number | null, signal: NodeJS.Signals | null): void {
  const exitCode = code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : null);
  if (timedOut) {
    finish({
      status: 'FAILED',
      stopCode: 'TIMED_OUT',
      exitCode,
      reason: `timed out after ${row.timeout_seconds} s (timeoutSeconds) and was stopped${describeSignals()}`,
    });
  } else if (killRequested) {
    finish({
      status: 'STOPPED',
      stopCode: 'USER_INITIATED',
      exitCode,
      reason: `stopped on request${describeSignals()}`,
    });
  } else if (code === 0) {
    finish({ status: 'SUCCEEDED', stopCode: 'EXITED', exitCode: 0, reason: 'exited with code 0' });
  } else {
    finish({
      status: 'FAILED',
      stopCode: 'EXITED',
      exitCode,
      reason: code !== null ? `exited with code ${code}` : `killed by signal ${signal}`,
    });
  }
}

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (chunk: Buffer) => chunks.push(chunk));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

async function main(): Promise<void> {
  if (!dataDir || !executionId) {
    process.exitCode = 2;
    return;
  }
  const input = await readStdin();
  try {
    database = new LocalDatabase(dataDir, { create: false });
  } catch {
    // Usually the data directory was removed before we got here. Nothing can be recorded either way (the
    // task's readers see a dead supervisor and record it lost), and an empty directory brought back
    // would only confuse whoever removed it.
    process.exitCode = 1;
    return;
  }
  const db = database;
  setInterval(() => {
    if (!finished && db.isGone()) abandon();
  }, DATABASE_CHECK_MS).unref();
  const pid = process.pid;
  const token = processStartToken(pid);
  // Ready and the kill flag are read in one transaction with killTask's write of the flag: either the
  // kill sees us ready and signals us, or we see its flag here.
  const row = db.immediate(() => {
    db.db
      .prepare(
        `UPDATE tasks SET supervisor_ready = 1, supervisor_pid = COALESCE(supervisor_pid, ?),
           supervisor_token = COALESCE(supervisor_token, ?) WHERE execution_id = ?`,
      )
      .run(pid, token, executionId);
    return readTask(db, executionId);
  });
  if (!row || isFinalStatus(row.status)) {
    finish({ status: 'FAILED', stopCode: 'RUNTIME_LOST', exitCode: null, reason: 'task vanished' });
    return;
  }
  graceMs = row.kill_grace_ms;
  writer = new LogLineWriter(db, executionId);

  let secrets: Record<string, string>;
  try {
    secrets = (JSON.parse(input) as { secrets: Record<string, string> }).secrets ?? {};
  } catch {
    finish({
      status: 'FAILED',
      stopCode: 'FAILED_TO_START',
      exitCode: null,
      reason: 'the supervisor did not receive the task secrets from the process that started it',
    });
    return;
  }
  if (killRequested || row.kill_requested_at !== null) {
    finish({
      status: 'STOPPED',
      stopCode: 'USER_INITIATED',
      exitCode: null,
      reason: 'stopped on request before it started',
    });
    return;
  }
  if (!existsSync(row.cwd)) {
    writer.note(STDERR, `taskport: working directory ${row.cwd} does not exist`);
    finish({
      status: 'FAILED',
      stopCode: 'FAILED_TO_START',
      exitCode: null,
      reason: `working directory ${row.cwd} does not exist`,
    });
    return;
  }

  const argv = commandArgv(JSON.parse(row.command) as string | string[]);
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    ...(JSON.parse(row.env) as Record<string, string>),
    ...secrets,
    TASKPORT_EXECUTION_ID: executionId,
  };
  const interactive = row.interactive !== 0;
  const task = spawn(argv[0]!, argv.slice(1), {
    cwd: row.cwd,
    env,
    // Own process group, so a kill reaches every process the command started.
    detached: true,
    // Not interactive: an empty stdin, so a command that reads it ends instead of waiting forever.
    stdio: [interactive ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  child = task;
  if (interactive) stdinListener = listenForStdin(db, dataDir, executionId, task);
  let spawned = false;
  const lineWriter = writer;
  task.stdout!.on('data', (chunk: Buffer) => lineWriter.write(STDOUT, chunk));
  task.stderr!.on('data', (chunk: Buffer) => lineWriter.write(STDERR, chunk));

  task.on('spawn', () => {
    spawned = true;
    taskToken = task.pid === undefined ? null : processStartToken(task.pid);
    const killedMeanwhile = db.immediate(() => {
      const now = Date.now();
      db.db
        .prepare('UPDATE tasks SET task_pid = ?, task_token = ?, started_at = ? WHERE execution_id = ?')
        .run(task.pid ?? null, taskToken, now, executionId);
      db.db
        .prepare(`UPDATE tasks SET status = 'RUNNING' WHERE execution_id = ? AND status = 'STARTING'`)
        .run(executionId);
      return readTask(db, executionId)?.kill_requested_at !== null;
    });
    if (killedMeanwhile || killRequested) stopOnRequest();
    if (row.timeout_seconds !== null && !commandExited) {
      deadline = setTimeout(() => {
        if (finished || commandExited) return;
        timedOut = true;
        stopTask(graceMs);
      }, row.timeout_seconds * 1000);
      deadline.unref();
    }
  });

  task.on('error', (error) => {
    if (spawned) return;
    lineWriter.note(STDERR, `taskport: cannot start ${JSON.stringify(argv[0])}: ${error.message}`);
    finish({
      status: 'FAILED',
      stopCode: 'FAILED_TO_START',
      exitCode: null,
      reason: `the command could not be started: ${error.message}`,
    });
  });

  task.on('exit', (code, signal) => {
    // The task ends when its command ends: the deadline no longer applies while we wait for pipes that
    // background children may still hold.
    commandExited = true;
    if (deadline) clearTimeout(deadline);
    const ended = [task.stdout!, task.stderr!].map(
      (stream) =>
        new Promise<void>((resolve) => (stream.readableEnded ? resolve() : stream.once('close', resolve))),
    );
    const drained = Promise.race([
      Promise.all(ended),
      new Promise<void>((resolve) => setTimeout(resolve, DRAIN_AFTER_EXIT_MS)),
    ]);
    stdinListener?.close();
    void drained.then(() => {
      // Like a container: when the main process ends, whatever it left running in its group goes too.
      if (task.pid !== undefined) signalProcessGroup(task.pid, taskToken, 'SIGKILL');
      task.stdout!.destroy();
      task.stderr!.destroy();
      onExit(row, code, signal);
    });
  });
}

/**
 * Interactive task: listens on its stdin socket and copies the first connection into the command's stdin
 * (its end closes stdin). Marks the task attached (`interactive = 2`) so a second attach is refused
 * rather than left waiting.
 */
function listenForStdin(db: LocalDatabase, dir: string, id: string, task: ChildProcess): { close(): void } {
  const input = task.stdin!;
  // The command may stop reading (or end) before the writer is done: not the supervisor's failure.
  input.on('error', () => {});
  const path = stdinSocketPath(dir, id);
  mkdirSync(stdinSocketDirectory(dir), { recursive: true, mode: 0o700 });
  rmSync(path, { force: true });
  const server = createServer((connection) => {
    server.close();
    rmSync(path, { force: true });
    db.db.prepare('UPDATE tasks SET interactive = 2 WHERE execution_id = ?').run(id);
    connection.on('error', () => input.end());
    connection.pipe(input);
  });
  server.on('error', () => input.end());
  server.listen(path);
  return {
    close() {
      server.close();
      rmSync(path, { force: true });
    },
  };
}

function fatal(error: unknown): void {
  try {
    signalTask('SIGKILL');
    finish(
      {
        status: 'FAILED',
        stopCode: 'RUNTIME_LOST',
        exitCode: null,
        reason: `the supervisor failed: ${error instanceof Error ? error.message : String(error)}`,
      },
      false,
    );
  } finally {
    process.exit(1);
  }
}

process.on('uncaughtException', fatal);
main().catch(fatal);
