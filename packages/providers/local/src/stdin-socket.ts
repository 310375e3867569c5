/**
 * The stdin of an interactive local task (`run -i`): the supervisor listens on a Unix socket in the data
 * directory and copies the first connection into the command's stdin; `attachStdin` connects and writes.
 *
 * A socket and not a FIFO: Node cannot make a FIFO, and a socket tells the writer when the task has
 * stopped reading. It lives in `<dataDir>/stdin/` (mode 0700), so only the data directory's owner can
 * write to a task's stdin.
 */
import { join } from 'node:path';

/** sun_path holds 108 bytes on Linux, the last one a NUL. */
const MAX_SOCKET_PATH_BYTES = 107;

export function stdinSocketDirectory(dataDir: string): string {
  return join(dataDir, 'stdin');
}

export function stdinSocketPath(dataDir: string, executionId: string): string {
  return join(stdinSocketDirectory(dataDir), `${executionId}.sock`);
}

/** Why stdin sockets cannot live in this data directory, or null when they can. */
export function stdinSocketProblem(dataDir: string, executionId: string): string | null {
  const bytes = Buffer.byteLength(stdinSocketPath(dataDir, executionId));
  return bytes > MAX_SOCKET_PATH_BYTES
    ? `the data directory ${dataDir} is too long a path for the stdin socket of an interactive task (${bytes} bytes, at most ${MAX_SOCKET_PATH_BYTES}); use a shorter --data-dir (TASKPORT_DATA_DIR)`
    : null;
}
