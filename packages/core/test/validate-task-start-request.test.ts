import { describe, expect, it } from 'vitest';
import { canonicalImageConfig } from '../src/domain/image-config.js';
import { toImageInfo } from '../src/domain/image-info.js';
import { validateTaskStartRequest } from '../src/domain/validate-task-start-request.js';
import { ValidationError } from '../src/errors/taskport-error.js';
import type { TaskStartRequest } from '../src/ports/task-executor.js';

const at = { provider: 'acme', operation: 'TaskExecutor.startTask' };
const request = (overrides: Partial<TaskStartRequest> = {}): TaskStartRequest => ({
  command: 'true',
  image: toImageInfo(canonicalImageConfig({ image: 'alpine', registeredBy: 'test' })),
  env: {},
  secrets: {},
  labels: {},
  requestId: 'req-1',
  ...overrides,
});

function rejection(userEmail: unknown, start: TaskStartRequest): ValidationError {
  try {
    validateTaskStartRequest(userEmail, start, at);
  } catch (error) {
    if (ValidationError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('validateTaskStartRequest', () => {
  it('returns the normalised request for a valid start', () => {
    expect(validateTaskStartRequest('a@b.c', request({ timeoutSeconds: 5 }), at)).toMatchObject({
      command: 'true',
      timeoutSeconds: 5,
    });
  });

  it.each([
    ['', request(), 'userEmail'],
    ['a@b.c', request({ requestId: '' }), 'requestId'],
    ['a@b.c', { ...request(), image: {} } as unknown as TaskStartRequest, 'image'],
    ['a@b.c', request({ env: { 'NOT-OK': '1' } }), 'env.NOT-OK'],
    ['a@b.c', request({ timeoutSeconds: 0 }), 'timeoutSeconds'],
  ])('rejects %j with the provider, the operation and the field named', (userEmail, start, field) => {
    const error = rejection(userEmail, start);
    expect(error.message.startsWith('[acme] TaskExecutor.startTask: ')).toBe(true);
    expect(error.details?.field).toBe(field);
  });

  it('never puts a secret value in the message', () => {
    const error = rejection('a@b.c', request({ secrets: { TOKEN: 'hunter2\0' } }));
    expect(error.details?.field).toBe('secrets.TOKEN');
    expect(error.message).not.toContain('hunter2');
  });
});
