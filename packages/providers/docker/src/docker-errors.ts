import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ProviderError,
  TaskportError,
  UnavailableError,
  ValidationError,
} from '@taskport/core';
import { EngineHttpError, EngineUnreachableError } from './docker-engine.js';

export const PROVIDER = 'docker';

/** How to get an engine, appended to "cannot reach" errors. */
export const ENGINE_HELP =
  'start a Docker engine (Docker Desktop, Colima, `sudo systemctl start docker`, or `podman system service` for Podman) or point the docker provider at one with `host` / DOCKER_HOST (unix:///path/docker.sock or tcp://host:port)';

/**
 * Translates what the engine client threw into a TaskportError naming the provider and operation,
 * keeping the original as `cause`. Already-translated errors and aborts pass through unchanged.
 */
export function engineError(error: unknown, operation: string, what?: string): unknown {
  if (TaskportError.isInstance(error)) return error;
  if (error instanceof Error && error.name === 'AbortError') return error;
  const at = { provider: PROVIDER, operation, cause: error };
  const subject = what ? `${what}: ` : '';
  if (error instanceof EngineUnreachableError) {
    return new UnavailableError(`${error.message}; ${ENGINE_HELP}`, at);
  }
  if (error instanceof EngineHttpError) {
    const message = `${subject}the engine answered ${error.status}: ${error.message}`;
    switch (error.status) {
      case 400:
        return new ValidationError(message, at);
      case 401:
      case 403:
        return new ForbiddenError(message, at);
      case 404:
        return new NotFoundError(message, at);
      case 409:
        return new ConflictError(message, at);
      case 429:
      case 502:
      case 503:
      case 504:
        return new UnavailableError(message, at);
      default:
        return new ProviderError(message, at);
    }
  }
  if (error instanceof Error) return new ProviderError(`${subject}${error.message}`, at);
  return error;
}

/** True for an engine answer with this HTTP status. */
export function hasStatus(error: unknown, status: number): boolean {
  return error instanceof EngineHttpError && error.status === status;
}
