import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { ConfigurationError } from '@taskport/core';
import type { RateLimit } from './http/key-rate-limiter.js';

/** Options of `taskport server`; each also comes from the environment (argument first, then env). */
export interface ServerOptions {
  /**
   * Where to listen, `HOST:PORT` (`[::1]:8080` for IPv6); port 0 picks a free one.
   * @default $TASKPORT_LISTEN, else 127.0.0.1:8080
   */
  listen?: string;
  /** Deployment config file (as for the CLI). @default $TASKPORT_CONFIG, else the usual lookup */
  configPath?: string;
  /**
   * SQLite file of users and API keys.
   * @default $TASKPORT_USERS_DB, else <TASKPORT_DATA_DIR or XDG state dir>/taskport/users.db
   */
  usersDb?: string;
  /** Built web console to serve at `/`. @default $TASKPORT_WEB_ROOT, else none */
  webRoot?: string;
  /** Per-key rate limit. @default $TASKPORT_RATE_LIMIT (`50/s,burst=200`) */
  rateLimit?: RateLimit;
  /** Provider option overrides, by provider (e.g. `{ local: { dataDir } }`). */
  overrides?: Record<string, Record<string, unknown>>;
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** How often retention is applied (tests). @default an hour, the first time 10 s after start */
  retentionEveryMs?: number;
}

export interface ListenAddress {
  host: string;
  port: number;
}

export const DEFAULT_LISTEN = '127.0.0.1:8080';

/** @throws ConfigurationError for anything but HOST:PORT */
export function parseListen(text: string): ListenAddress {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(text.trim());
  const port = match ? Number(match[3]) : Number.NaN;
  if (!match || port > 65535) {
    throw new ConfigurationError(`--listen "${text}" must be HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080`, {
      details: { field: 'listen' },
    });
  }
  return { host: (match[1] ?? match[2]) as string, port };
}

export function resolveListen(options: ServerOptions): ListenAddress {
  const env = options.env ?? process.env;
  return parseListen(options.listen ?? nonEmpty(env.TASKPORT_LISTEN) ?? DEFAULT_LISTEN);
}

export function resolveUsersDb(options: ServerOptions): string {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const explicit = options.usersDb ?? nonEmpty(env.TASKPORT_USERS_DB);
  if (explicit) return resolve(cwd, explicit);
  const dataDir = nonEmpty(env.TASKPORT_DATA_DIR);
  if (dataDir) return join(resolve(cwd, dataDir), 'users.db');
  const stateHome = nonEmpty(env.XDG_STATE_HOME);
  const base =
    stateHome && isAbsolute(stateHome) ? stateHome : join(env.HOME ?? homedir(), '.local', 'state');
  return join(base, 'taskport', 'users.db');
}

export function resolveRateLimit(options: ServerOptions): RateLimit | undefined {
  if (options.rateLimit) return options.rateLimit;
  const text = nonEmpty((options.env ?? process.env).TASKPORT_RATE_LIMIT);
  if (!text) return undefined;
  const match = /^(\d+(?:\.\d+)?)\/s(?:,burst=(\d+))?$/.exec(text);
  if (!match) {
    throw new ConfigurationError(`TASKPORT_RATE_LIMIT "${text}" must look like 50/s or 50/s,burst=200`);
  }
  const perSecond = Number(match[1]);
  return { perSecond, burst: match[2] ? Number(match[2]) : Math.max(1, Math.ceil(perSecond * 4)) };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
