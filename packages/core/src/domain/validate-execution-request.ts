import { ValidationError } from '../errors/taskport-error.js';
import type { ExecutionRequest, NormalisedExecutionRequest } from './execution-request.js';

export const MAX_TIMEOUT_SECONDS = 7 * 24 * 3600;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LABEL_KEY = /^[A-Za-z0-9]([A-Za-z0-9_.\-/]{0,61}[A-Za-z0-9])?$/;
/** PATH_MAX on Linux. */
const MAX_WORKING_DIR_LENGTH = 4096;
const IDEMPOTENCY_KEY = /^[A-Za-z0-9_-]{1,64}$/;

function invalid(field: string, message: string): never {
  throw new ValidationError(message, { details: { field } });
}

/**
 * Validates a request and returns it normalised. Every problem is a ValidationError that names the field
 * and says what to fix; nothing reaches a provider before this passes. Secret values never appear in
 * the messages.
 */
export function validateExecutionRequest(request: ExecutionRequest): NormalisedExecutionRequest {
  if (typeof request !== 'object' || request === null) invalid('request', 'the request must be an object');
  const { command } = request;
  if (typeof command === 'string') {
    if (command.trim() === '') invalid('command', 'command is required: give the command line to run');
    if (command.includes('\0')) invalid('command', 'command must not contain NUL characters');
  } else if (Array.isArray(command)) {
    if (command.length === 0 || typeof command[0] !== 'string' || command[0] === '') {
      invalid('command', 'command is required: the argv must start with the program to run');
    }
    for (const [index, arg] of command.entries()) {
      if (typeof arg !== 'string') invalid(`command[${index}]`, `command[${index}] must be a string`);
      if (arg.includes('\0'))
        invalid(`command[${index}]`, `command[${index}] must not contain NUL characters`);
    }
  } else {
    invalid('command', 'command is required: a command line (string) or an argv (array of strings)');
  }

  const image = request.image === undefined || request.image === null ? '' : request.image;
  if (typeof image !== 'string') invalid('image', 'image must be an ImageID or an image name');

  const env = variables(request.env, 'env', false);
  const secrets = variables(request.secrets, 'secrets', true);
  for (const name of Object.keys(secrets)) {
    if (Object.hasOwn(env, name)) {
      invalid(`env.${name}`, `"${name}" is given both as env and as a secret; give it once`);
    }
  }

  let timeoutSeconds: number | undefined;
  if (request.timeoutSeconds !== undefined && request.timeoutSeconds !== null) {
    const t = request.timeoutSeconds;
    if (!Number.isSafeInteger(t) || t < 1 || t > MAX_TIMEOUT_SECONDS) {
      invalid(
        'timeoutSeconds',
        `timeoutSeconds must be a whole number from 1 to ${MAX_TIMEOUT_SECONDS} (7 days), got ${String(t)}`,
      );
    }
    timeoutSeconds = t;
  }

  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(request.labels ?? {})) {
    if (!LABEL_KEY.test(key)) {
      invalid(
        `labels.${key}`,
        `label key "${key}" must be 1-63 letters, digits, '-', '_', '.' or '/', starting and ending with a letter or digit`,
      );
    }
    if (typeof value !== 'string' || value.length > 256 || hasControlCharacter(value)) {
      invalid(`labels.${key}`, `label "${key}" must have a string value of at most 256 printable characters`);
    }
    labels[key] = value;
  }

  const { idempotencyKey } = request;
  if (idempotencyKey !== undefined && idempotencyKey !== null && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
    invalid('idempotencyKey', 'idempotencyKey must be 1-64 letters, digits, "-" or "_"');
  }

  let workingDir: string | undefined;
  if (request.workingDir !== undefined && request.workingDir !== null) {
    const dir = request.workingDir;
    if (typeof dir !== 'string' || !dir.startsWith('/')) {
      invalid(
        'workingDir',
        `workingDir must be an absolute path (starting with "/"), got ${JSON.stringify(dir)}`,
      );
    }
    if (dir.length > MAX_WORKING_DIR_LENGTH || hasControlCharacter(dir)) {
      invalid(
        'workingDir',
        `workingDir must be at most ${MAX_WORKING_DIR_LENGTH} characters, without control characters`,
      );
    }
    workingDir = dir;
  }
  if (
    request.interactive !== undefined &&
    request.interactive !== null &&
    typeof request.interactive !== 'boolean'
  ) {
    invalid('interactive', 'interactive must be true or false');
  }

  return {
    command: typeof command === 'string' ? command : [...command],
    image: image.trim(),
    env,
    secrets,
    timeoutSeconds,
    labels,
    idempotencyKey: idempotencyKey ?? undefined,
    workingDir,
    interactive: request.interactive === true,
  };
}

function variables(input: unknown, field: string, secret: boolean): Record<string, string> {
  if (input === undefined || input === null) return {};
  if (typeof input !== 'object' || Array.isArray(input))
    invalid(field, `${field} must be an object of NAME: value`);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(input as Record<string, unknown>)) {
    if (!ENV_NAME.test(name)) {
      invalid(
        `${field}.${name}`,
        `${field} name "${name}" is not a valid variable name (letters, digits and _, not starting with a digit)`,
      );
    }
    if (typeof value !== 'string') {
      invalid(
        `${field}.${name}`,
        `${field} "${name}" must have a string value${secret ? '' : `, got ${typeof value}`}`,
      );
    }
    if (value.includes('\0'))
      invalid(`${field}.${name}`, `${field} "${name}" must not contain NUL characters`);
    out[name] = value;
  }
  return out;
}

function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) < 0x20) return true;
  return false;
}
