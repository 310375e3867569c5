import { readFileSync } from 'node:fs';

/**
 * Identity of a process beyond its pid. Pids are reused, so "pid 4242 is alive" does not mean "our
 * supervisor is alive". On Linux the start time of the process (field 22 of /proc/<pid>/stat, in clock
 * ticks since boot) together with the pid names one process for the life of the machine. Where there is
 * no /proc (macOS), the token is null and liveness falls back to `kill(pid, 0)`.
 */
interface ProcStat {
  state: string;
  startTime: string;
}

function readProcStat(pid: number): ProcStat | null | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') {
      // Either the process is gone or this system has no /proc at all.
      return procAvailable() ? null : undefined;
    }
    return undefined;
  }
  // The command name (field 2) is in parentheses and may itself contain spaces or ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const startTime = fields[19];
  if (state === undefined || startTime === undefined) return undefined;
  return { state, startTime };
}

let hasProc: boolean | undefined;
function procAvailable(): boolean {
  if (hasProc === undefined) {
    try {
      readFileSync('/proc/self/stat');
      hasProc = true;
    } catch {
      hasProc = false;
    }
  }
  return hasProc;
}

/** A token that, with the pid, identifies this process; `null` when the system cannot tell (no /proc) or it is gone. */
export function processStartToken(pid: number): string | null {
  const stat = readProcStat(pid);
  return stat ? stat.startTime : null;
}

/**
 * Whether the process `pid` that had `token` when it was recorded is still alive: not gone, not a zombie,
 * and not a different process that got the same pid.
 */
export function isProcessAlive(pid: number, token: string | null | undefined): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  const stat = readProcStat(pid);
  if (stat === null) return false;
  if (stat !== undefined) {
    if (stat.state === 'Z' || stat.state === 'X') return false;
    if (token && stat.startTime !== token) return false;
    return true;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    // ESRCH: gone. EPERM: the pid belongs to another user's process now, so not the one we started.
    return false;
  }
}

/**
 * Sends `signal` to the process group `pgid`, unless its leader's pid now belongs to a different process
 * (then the group is not ours). Returns false when nothing was signalled.
 */
export function signalProcessGroup(
  pgid: number,
  token: string | null | undefined,
  signal: NodeJS.Signals,
): boolean {
  if (!Number.isSafeInteger(pgid) || pgid <= 1) return false;
  const stat = readProcStat(pgid);
  // The leader may have exited while the rest of its group lives on; a pgid is not reused while any
  // member remains, so signalling is safe unless a new process now owns the leader's pid.
  if (stat && token && stat.startTime !== token) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}
