import { sha256Hex } from '../platform/node-crypto.js';
import type { NormalisedExecutionRequest } from './execution-request.js';

/**
 * What makes two starts "the same request" for an idempotency key: the command, the image, the names of
 * the environment variables (plain and secret: values are not part of it, secrets must not be hashed
 * into a stored value), the labels and the timeout.
 */
export interface FingerprintParts {
  command: string | readonly string[];
  /** The image as the request names it (`''` for the default image), or the resolved ImageID. */
  image: string;
  /** Names of the plain and secret environment variables, in any order. */
  envNames: readonly string[];
  labels: Readonly<Record<string, string>>;
  timeoutSeconds?: number | undefined;
  workingDir?: string | undefined;
  interactive?: boolean | undefined;
}

/**
 * A stable digest of the parts of a request that an idempotency key stands for: `sha256:<64 hex>`.
 * Order of env names and labels does not matter; a string command and the argv `['/bin/sh', '-c', ...]`
 * are different requests (they run differently on some platforms).
 */
export function requestFingerprint(parts: FingerprintParts): string {
  const canonical = JSON.stringify([
    'v1',
    typeof parts.command === 'string' ? { sh: parts.command } : { argv: [...parts.command] },
    parts.image,
    [...new Set(parts.envNames)].sort(),
    Object.entries(parts.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    parts.timeoutSeconds ?? null,
    // Appended only when used, so fingerprints stored before these fields existed still match.
    ...(parts.workingDir !== undefined || parts.interactive
      ? [parts.workingDir ?? null, parts.interactive === true]
      : []),
  ]);
  return `sha256:${sha256Hex(canonical)}`;
}

/** The fingerprint the Service stores for a validated request (the image as the request names it). */
export function executionRequestFingerprint(request: NormalisedExecutionRequest): string {
  return requestFingerprint({
    command: request.command,
    image: request.image,
    envNames: [...Object.keys(request.env), ...Object.keys(request.secrets)],
    labels: request.labels,
    timeoutSeconds: request.timeoutSeconds,
    workingDir: request.workingDir,
    interactive: request.interactive,
  });
}

/** What `startIdempotencyToken` reads of a start request (a `TaskStartRequest` fits). */
export interface IdempotentStart {
  command: string | readonly string[];
  image: { imageId: string };
  env: Readonly<Record<string, string>>;
  secrets: Readonly<Record<string, string>>;
  labels?: Readonly<Record<string, string>>;
  timeoutSeconds?: number | undefined;
  idempotencyKey?: string | undefined;
  workingDir?: string | undefined;
  interactive?: boolean | undefined;
}

/**
 * The token an executor hands its platform for an idempotent start (ECS `clientToken`, a deterministic
 * Job name, a row key): 64 hex over the user, the key and the fingerprint of the request. So a key means
 * one request of one user: another user's key, or the same key with another command, never returns
 * somebody else's task. `undefined` when the request has no key.
 */
export function startIdempotencyToken(userEmail: string, request: IdempotentStart): string | undefined {
  if (request.idempotencyKey === undefined || request.idempotencyKey === '') return undefined;
  const fingerprint = requestFingerprint({
    command: request.command,
    image: request.image.imageId,
    envNames: [...Object.keys(request.env), ...Object.keys(request.secrets)],
    labels: request.labels ?? {},
    timeoutSeconds: request.timeoutSeconds,
    workingDir: request.workingDir,
    interactive: request.interactive,
  });
  return sha256Hex(`${userEmail.trim()}\n${request.idempotencyKey}\n${fingerprint}`);
}
