import { describe, expect, it } from 'vitest';
import {
  ConflictError,
  NotFoundError,
  TaskportError,
  UnavailableError,
  ValidationError,
} from '../src/errors/taskport-error.js';

describe('TaskportError', () => {
  it('is recognised by its marker, also across duplicated package copies', () => {
    const foreign = Object.assign(new Error('x'), {
      [Symbol.for('taskport.error')]: true,
      code: 'NOT_FOUND',
    });
    expect(TaskportError.isInstance(foreign)).toBe(true);
    expect(NotFoundError.isInstance(foreign)).toBe(true);
    expect(ConflictError.isInstance(foreign)).toBe(false);
    expect(TaskportError.isInstance(new Error('plain'))).toBe(false);
  });

  it('names provider and operation in the message and keeps the cause', () => {
    const cause = new Error('ThrottlingException');
    const error = new UnavailableError('rate exceeded; retry later', {
      provider: 'aws',
      operation: 'TaskExecutor.startTask',
      cause,
    });
    expect(error.message).toBe('[aws] TaskExecutor.startTask: rate exceeded; retry later');
    expect(error.cause).toBe(cause);
    expect(error.retryable).toBe(true);
    expect(error.code).toBe('UNAVAILABLE');
    expect(new ValidationError('bad').retryable).toBe(false);
  });

  it('serialises to JSON without the cause', () => {
    const json = new ValidationError('bad cpu', {
      details: { field: 'cpu' },
      cause: new Error('secret stuff'),
    }).toJSON();
    expect(json).toEqual({
      name: 'ValidationError',
      code: 'VALIDATION',
      message: 'bad cpu',
      retryable: false,
      details: { field: 'cpu' },
    });
  });
});
