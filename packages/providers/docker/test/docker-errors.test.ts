import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ProviderError,
  UnavailableError,
  ValidationError,
} from '@taskport/core';
import { describe, expect, it } from 'vitest';
import { engineError } from '../src/docker-errors.js';
import { classifyEngineError, EngineHttpError, EngineUnreachableError } from '../src/index.js';

// Hand-made engine errors: only the translation rules are under test here.
describe('engineError', () => {
  it('maps engine statuses to taskport errors naming the provider and operation, keeping the cause', () => {
    const cases = [
      [400, ValidationError],
      [403, ForbiddenError],
      [404, NotFoundError],
      [409, ConflictError],
      [500, ProviderError],
      [503, UnavailableError],
    ] as const;
    for (const [status, kind] of cases) {
      const cause = new EngineHttpError(status, 'engine says no', 'POST', '/containers/create');
      const error = engineError(cause, 'TaskExecutor.startTask') as Error & { cause?: unknown };
      expect(kind.isInstance(error), String(status)).toBe(true);
      expect(error.message).toBe(
        `[docker] TaskExecutor.startTask: the engine answered ${status}: engine says no`,
      );
      expect(error.cause).toBe(cause);
    }
  });

  it('an unreachable engine is retryable UnavailableError with how to get one', () => {
    const error = engineError(
      new EngineUnreachableError('unix:///var/run/docker.sock', new Error('connect ENOENT')),
      'TaskExecutor.describeTask',
    ) as Error & { retryable?: boolean };
    expect(UnavailableError.isInstance(error)).toBe(true);
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/Docker Desktop, Colima.*podman system service.*DOCKER_HOST/);
  });

  it('passes aborts and taskport errors through unchanged', () => {
    const abort = new DOMException('aborted', 'AbortError');
    expect(engineError(abort, 'x')).toBe(abort);
    const own = new NotFoundError('mine');
    expect(engineError(own, 'x')).toBe(own);
  });
});

describe('classifyEngineError', () => {
  it('retries dropped connections and 5xx, never a missing engine or a refusal', () => {
    const http = (status: number) => new EngineHttpError(status, 'x', 'GET', '/x');
    const unreachable = (code: string) =>
      new EngineUnreachableError('unix:///x', Object.assign(new Error(code), { code }));
    expect(classifyEngineError(http(429))).toBe('throttle');
    expect(classifyEngineError(http(503))).toBe('transient');
    expect(classifyEngineError(http(404))).toBe('permanent');
    expect(classifyEngineError(unreachable('ECONNRESET'))).toBe('transient');
    expect(classifyEngineError(unreachable('ENOENT'))).toBe('permanent');
    expect(classifyEngineError(unreachable('ECONNREFUSED'))).toBe('permanent');
  });
});
