import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { ConfigurationError } from '@taskport/core';

export type BackendLogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Options of the local provider. Every field is optional: with none, taskport works out of the box. */
export interface LocalOptions {
  /**
   * Directory holding the SQLite database (tasks, their output, executions, images, backend logs).
   * Created with mode 0700 when missing. Several processes may use it at once.
   * @default $TASKPORT_DATA_DIR, else $XDG_STATE_HOME/taskport, else ~/.local/state/taskport
   */
  dataDir: string;
  /**
   * How long a killed (or timed-out) task gets between SIGTERM and SIGKILL to its process group, in ms.
   * @default 10000
   */
  killGraceMs: number;
  /**
   * Whether tasks inherit the whole environment of the process that starts them. When false they get
   * only PATH, HOME, USER, LOGNAME, SHELL, LANG, LC_ALL, TZ, TMPDIR and TERM from it, plus the request's
   * env and secrets - closer to a container, and the caller's own credentials do not leak into tasks.
   * @default false
   */
  inheritEnv: boolean;
  /**
   * First poll interval of a following log stream, in ms; it backs off (doubling) up to
   * `maxPollIntervalMs` while nothing new arrives and drops back when lines appear.
   * @default 50
   */
  pollIntervalMs: number;
  /**
   * Upper bound of the follow poll interval, in ms.
   * @default 500
   */
  maxPollIntervalMs: number;
  /**
   * Lowest level of the Service's own log lines kept for `fetchBackendLogs`.
   * @default 'info'
   */
  backendLogLevel: BackendLogLevel;
}

const KEYS = [
  'dataDir',
  'killGraceMs',
  'inheritEnv',
  'pollIntervalMs',
  'maxPollIntervalMs',
  'backendLogLevel',
] as const;
const LEVELS: readonly BackendLogLevel[] = ['debug', 'info', 'warn', 'error'];

/** The default data directory: argument first, then environment, then the XDG state directory. */
export function defaultDataDir(env: Record<string, string | undefined>): string {
  const explicit = env.TASKPORT_DATA_DIR?.trim();
  if (explicit) return resolve(explicit);
  // The XDG spec says relative values are invalid and must be ignored.
  const stateHome = env.XDG_STATE_HOME?.trim();
  if (stateHome && isAbsolute(stateHome)) return join(stateHome, 'taskport');
  const home = env.HOME?.trim() || homedir();
  return join(home, '.local', 'state', 'taskport');
}

function fail(key: string, message: string): never {
  throw new ConfigurationError(`option local.${key} ${message}`, { provider: 'local', details: { key } });
}

function integer(
  raw: Record<string, unknown>,
  key: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const value = raw[key];
  if (value === undefined || value === null) return fallback;
  // Config files and environment give strings; accept "5000" as well as 5000.
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < min || number > max) {
    fail(key, `must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return number;
}

/**
 * Validates the local provider's options and applies defaults and environment fallbacks.
 * @throws ConfigurationError naming the bad key
 */
export function parseLocalOptions(
  raw: unknown,
  env: Record<string, string | undefined> = process.env,
): LocalOptions {
  if (raw === undefined || raw === null) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigurationError('the local provider options must be an object', {
      provider: 'local',
      details: { key: 'local' },
    });
  }
  const input = raw as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!(KEYS as readonly string[]).includes(key)) {
      fail(key, `is not an option of the local provider (known: ${KEYS.join(', ')})`);
    }
  }

  let dataDir: string;
  if (input.dataDir === undefined || input.dataDir === null) {
    dataDir = defaultDataDir(env);
  } else {
    if (typeof input.dataDir !== 'string' || input.dataDir.trim() === '') {
      fail('dataDir', 'must be a non-empty path');
    }
    dataDir = resolve(input.dataDir.trim());
  }

  let inheritEnv = false;
  if (input.inheritEnv !== undefined && input.inheritEnv !== null) {
    if (typeof input.inheritEnv === 'boolean') inheritEnv = input.inheritEnv;
    else if (input.inheritEnv === 'true' || input.inheritEnv === 'false')
      inheritEnv = input.inheritEnv === 'true';
    else fail('inheritEnv', `must be true or false, got ${JSON.stringify(input.inheritEnv)}`);
  }

  const level = input.backendLogLevel ?? 'info';
  if (!LEVELS.includes(level as BackendLogLevel)) {
    fail('backendLogLevel', `must be one of ${LEVELS.join(', ')}, got ${JSON.stringify(level)}`);
  }

  const pollIntervalMs = integer(input, 'pollIntervalMs', 50, 1, 60_000);
  const maxPollIntervalMs = integer(input, 'maxPollIntervalMs', Math.max(500, pollIntervalMs), 1, 60_000);
  if (maxPollIntervalMs < pollIntervalMs) {
    fail('maxPollIntervalMs', `must be at least pollIntervalMs (${pollIntervalMs})`);
  }

  return {
    dataDir,
    killGraceMs: integer(input, 'killGraceMs', 10_000, 0, 3_600_000),
    inheritEnv,
    pollIntervalMs,
    maxPollIntervalMs,
    backendLogLevel: level as BackendLogLevel,
  };
}
