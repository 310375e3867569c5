import { ProviderError, UnavailableError, ValidationError } from '@taskport/core';
import { describe, expect, it } from 'vitest';
import {
  decodeLogCursor,
  generateApiKey,
  parseApiKey,
  parseListen,
  permissionsOf,
  resumeAfter,
  scopeOf,
  toHttpError,
} from '../dist/index.js';

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
}
async function* events(...items: [number, string][]) {
  for (const [timestamp, eventId] of items) yield { timestamp, eventId, message: eventId };
}

describe('error bodies', () => {
  it('a provider error never carries the provider text (which may hold internals or secrets)', () => {
    const error = new ProviderError('AccessDenied for arn:aws:iam::123:role/x token=s3cr3t', {
      provider: 'aws',
      operation: 'TaskExecutor.startTask',
    });
    const { status, body } = toHttpError(error, 'req-1');
    expect(status).toBe(502);
    expect(body.error.code).toBe('PROVIDER');
    expect(JSON.stringify(body)).not.toMatch(/s3cr3t|arn:aws|AccessDenied/);
    expect(body.error.message).toContain('req-1');
  });

  it('a validation error keeps its message (without the operator prefix) and scalar details', () => {
    const error = new ValidationError('cpu 3 is not allowed', {
      provider: 'aws',
      operation: 'ImageRegistry.registerImage',
      details: { field: 'resources.cpu', nested: { raw: 'x' } },
    });
    const { status, body } = toHttpError(error, 'req-2');
    expect(status).toBe(400);
    expect(body).toEqual({
      error: {
        code: 'VALIDATION',
        message: 'cpu 3 is not allowed',
        requestId: 'req-2',
        details: { field: 'resources.cpu' },
      },
    });
  });

  it('unavailable is 503 and anything unknown is a 500 INTERNAL without its message', () => {
    expect(toHttpError(new UnavailableError('throttled: Rate exceeded'), 'r').status).toBe(503);
    const { status, body } = toHttpError(new TypeError('cannot read x of undefined'), 'r');
    expect(status).toBe(500);
    expect(body.error.code).toBe('INTERNAL');
    expect(body.error.message).not.toContain('undefined');
  });
});

describe('log cursors', () => {
  it('resume drops everything up to and including the cursor event, even among events of the same millisecond', async () => {
    const resumed = await collect(
      resumeAfter(events([1, 'a'], [2, 'c'], [2, 'b'], [2, 'd'], [3, 'e']), { timestamp: 2, eventId: 'b' }),
    );
    expect(resumed.map((e) => e.eventId)).toEqual(['d', 'e']);
  });

  it('when the cursor event is gone, the held events of its millisecond are released: a repeat, never a gap', async () => {
    const resumed = await collect(
      resumeAfter(events([2, 'c'], [2, 'd'], [3, 'e']), { timestamp: 2, eventId: 'zz' }),
    );
    expect(resumed.map((e) => e.eventId)).toEqual(['c', 'd', 'e']);
  });

  it('a cursor that is not one is a ValidationError naming the field', () => {
    expect(() => decodeLogCursor('nope', 'Last-Event-ID')).toThrow(/Last-Event-ID is not a log cursor/);
    expect(decodeLogCursor('1733000000000.000000000007')).toEqual({
      timestamp: 1733000000000,
      eventId: '000000000007',
    });
  });
});

describe('keys, roles and options', () => {
  it('API keys are random, parse back to their id, and never contain each other', () => {
    const a = generateApiKey();
    const b = generateApiKey();
    expect(a.apiKey).not.toBe(b.apiKey);
    expect(parseApiKey(a.apiKey)?.keyId).toBe(a.keyId);
    expect(parseApiKey(`${a.apiKey}x`)).toBeUndefined();
    expect(a.secretHash.length).toBe(32);
  });

  it('roles: developers own-scoped on executions, viewers read-only, only admins write users', () => {
    expect(scopeOf('developer', 'executions:kill')).toBe('own');
    expect(scopeOf('viewer', 'run')).toBeUndefined();
    expect(scopeOf('operator', 'users:write')).toBeUndefined();
    expect(permissionsOf('developer')).toContain('executions:read(own)');
  });

  it('--listen takes HOST:PORT and [v6]:PORT, and says how to fix anything else', () => {
    expect(parseListen('127.0.0.1:8080')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parseListen('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(() => parseListen('8080')).toThrow(/HOST:PORT/);
    expect(() => parseListen('localhost:70000')).toThrow(/HOST:PORT/);
  });
});
