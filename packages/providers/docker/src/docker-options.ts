import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '@taskport/core';
import { DEFAULT_API_VERSION, DEFAULT_DOCKER_HOST, parseDockerHost } from './docker-engine.js';

/** When the executor pulls the task's image. */
export type PullPolicy = 'missing' | 'always' | 'never';

/**
 * How secrets reach the container:
 * - `stdin`: written to the container's stdin once it started and exported by a fixed `/bin/sh` prelude
 *   before the command is exec'd, so they are not in `docker inspect` (needs `/bin/sh` in the image);
 * - `env`: as plain container environment, which anyone who can reach the engine reads with
 *   `docker inspect`. Opt-in. See ADR 022-docker.
 */
export type SecretsDelivery = 'stdin' | 'env';

/** Settings of the docker provider (config section `docker:`); every field is optional. */
export interface DockerOptions {
  /** Engine address. @default DOCKER_HOST, else `unix:///var/run/docker.sock` */
  host: string;
  /** HTTPS to a tcp host with the client certificate in `certPath`. @default DOCKER_TLS_VERIFY set */
  tls: boolean;
  /** `ca.pem`, `cert.pem`, `key.pem` for `tls`. @default DOCKER_CERT_PATH, else ~/.docker */
  certPath: string;
  /** Engine API version used in request paths. @default DOCKER_API_VERSION, else '1.41' */
  apiVersion: string;
  /** `HostConfig.NetworkMode` of task containers (`none`, `bridge`, `host`, a network name). @default the engine's default */
  networkMode?: string;
  /** Seconds between SIGTERM and SIGKILL when a task is killed or times out. @default 10 */
  killGraceSeconds: number;
  /** @default 'missing' */
  pullPolicy: PullPolicy;
  /** @default 'stdin' */
  secrets: SecretsDelivery;
  /** `User` of task containers (`uid[:gid]` or a name). @default the image's user */
  user?: string;
  /** `WorkingDir` of task containers. @default the image's */
  workingDir?: string;
  /** `HostConfig.PidsLimit`. @default none */
  pidsLimit?: number;
  /** Mount the container's root filesystem read-only. @default false */
  readonlyRootfs: boolean;
  /** Log driver of task containers; it must be one the engine can read back (`json-file`, `local`). @default 'json-file' */
  logDriver: string;
  /** Options of the log driver (e.g. `{ "max-size": "100m" }`; rotation drops the oldest output). */
  logOptions?: Record<string, string>;
  /** How long finished task containers (and their logs) are kept before `prune` removes them. @default 168 (7 days) */
  retentionHours: number;
  /** Start a detached watchdog process per task with a timeout, so it is enforced with nobody watching. @default true */
  timeoutWatchdog: boolean;
  /** A container created but never started after this many seconds is reported FAILED_TO_START. @default 120 */
  startGraceSeconds: number;
  /** Limit for ordinary engine calls in ms. @default 60000 */
  requestTimeoutMs: number;
}

/** Environment variables the options fall back to, by key. */
export const DOCKER_OPTION_ENV = {
  host: 'DOCKER_HOST',
  tls: 'DOCKER_TLS_VERIFY',
  certPath: 'DOCKER_CERT_PATH',
  apiVersion: 'DOCKER_API_VERSION',
} as const;

const KEYS = new Set<string>([
  'host',
  'tls',
  'certPath',
  'apiVersion',
  'networkMode',
  'killGraceSeconds',
  'pullPolicy',
  'secrets',
  'user',
  'workingDir',
  'pidsLimit',
  'readonlyRootfs',
  'logDriver',
  'logOptions',
  'retentionHours',
  'timeoutWatchdog',
  'startGraceSeconds',
  'requestTimeoutMs',
]);

/**
 * Validates the `docker:` options, argument first, then environment (DOCKER_HOST, DOCKER_TLS_VERIFY,
 * DOCKER_CERT_PATH, DOCKER_API_VERSION). Throws ConfigurationError naming the key and how to fix it.
 */
export function parseDockerOptions(
  raw: unknown = {},
  env: Record<string, string | undefined> = process.env,
): DockerOptions {
  const fail = (key: string, why: string): never => {
    throw new ConfigurationError(`docker.${key} ${why}`, { provider: 'docker', details: { field: key } });
  };
  if (raw === null || raw === undefined) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigurationError('the docker options must be a mapping, e.g. { networkMode: none }', {
      provider: 'docker',
    });
  }
  const input = raw as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!KEYS.has(key)) fail(key, `is not a docker option; known options: ${[...KEYS].join(', ')}`);
  }
  const text = (key: string): string | undefined => {
    const value = input[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value.trim() === '') fail(key, 'must be a non-empty string');
    return (value as string).trim();
  };
  const number = (key: string, fallback: number, { min, integer }: { min: number; integer?: boolean }) => {
    const value = input[key];
    if (value === undefined) return fallback;
    if (
      typeof value !== 'number' ||
      !Number.isFinite(value) ||
      value < min ||
      (integer && !Number.isInteger(value))
    )
      fail(key, `must be ${integer ? 'an integer' : 'a number'} >= ${min}`);
    return value as number;
  };
  const flag = (key: string, fallback: boolean) => {
    const value = input[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') fail(key, 'must be true or false');
    return value as boolean;
  };
  const oneOf = <T extends string>(key: string, allowed: readonly T[], fallback: T): T => {
    const value = input[key];
    if (value === undefined) return fallback;
    if (!allowed.includes(value as T)) fail(key, `must be one of ${allowed.join(', ')}`);
    return value as T;
  };

  const host = text('host') ?? nonEmpty(env.DOCKER_HOST) ?? DEFAULT_DOCKER_HOST;
  const tls = flag('tls', nonEmpty(env.DOCKER_TLS_VERIFY) !== undefined);
  try {
    parseDockerHost(host, tls);
  } catch (error) {
    fail('host', (error as Error).message.replace(/^\[docker\] /, ''));
  }
  let logOptions: Record<string, string> | undefined;
  if (input.logOptions !== undefined) {
    const value = input.logOptions;
    if (
      typeof value !== 'object' ||
      value === null ||
      Array.isArray(value) ||
      Object.values(value).some((v) => typeof v !== 'string')
    ) {
      fail('logOptions', 'must be a mapping of strings, e.g. { max-size: 100m }');
    }
    logOptions = value as Record<string, string>;
  }
  const networkMode = text('networkMode');
  const user = text('user');
  const workingDir = text('workingDir');
  if (workingDir !== undefined && !workingDir.startsWith('/')) fail('workingDir', 'must be an absolute path');
  const pidsLimit =
    input.pidsLimit === undefined ? undefined : number('pidsLimit', 0, { min: 1, integer: true });
  return {
    host,
    tls,
    certPath: text('certPath') ?? nonEmpty(env.DOCKER_CERT_PATH) ?? join(homedir(), '.docker'),
    apiVersion: text('apiVersion') ?? nonEmpty(env.DOCKER_API_VERSION) ?? DEFAULT_API_VERSION,
    ...(networkMode !== undefined ? { networkMode } : {}),
    killGraceSeconds: number('killGraceSeconds', 10, { min: 0, integer: true }),
    pullPolicy: oneOf('pullPolicy', ['missing', 'always', 'never'] as const, 'missing'),
    secrets: oneOf('secrets', ['stdin', 'env'] as const, 'stdin'),
    ...(user !== undefined ? { user } : {}),
    ...(workingDir !== undefined ? { workingDir } : {}),
    ...(pidsLimit !== undefined ? { pidsLimit } : {}),
    readonlyRootfs: flag('readonlyRootfs', false),
    logDriver: text('logDriver') ?? 'json-file',
    ...(logOptions ? { logOptions } : {}),
    retentionHours: number('retentionHours', 168, { min: 0 }),
    timeoutWatchdog: flag('timeoutWatchdog', true),
    startGraceSeconds: number('startGraceSeconds', 120, { min: 1 }),
    requestTimeoutMs: number('requestTimeoutMs', 60_000, { min: 1000, integer: true }),
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
