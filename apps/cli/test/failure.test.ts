import { ConfigurationError, NotFoundError, ProviderError, ValidationError } from '@taskport/core';
import { describe, expect, it } from 'vitest';
import { describeFailure, runFailureCode } from '../src/failure.js';
import { UsageError } from '../src/usage-error.js';

describe('describeFailure (commands other than run)', () => {
  it('exits 2 for usage, validation and configuration errors, 1 for everything else, with one line', () => {
    expect(describeFailure(new UsageError('bad flag'), {})).toEqual({ line: 'taskport: bad flag', code: 2 });
    expect(describeFailure(new ValidationError('bad field'), {}).code).toBe(2);
    expect(describeFailure(new ConfigurationError('aws.region is missing'), {}).code).toBe(2);
    expect(describeFailure(new NotFoundError('no execution'), {}).code).toBe(1);
    expect(describeFailure(new ProviderError('boom\nsecond line'), {})).toEqual({
      line: 'taskport: boom',
      code: 1,
    });
    expect(describeFailure(new Error('plain'), {}).code).toBe(1);
  });

  it('adds stacks and causes only with TASKPORT_DEBUG', () => {
    const error = new ProviderError('outer', { cause: new Error('inner') });
    expect(describeFailure(error, {}).line).toBe('taskport: outer');
    const debug = describeFailure(error, { TASKPORT_DEBUG: '1' }).line;
    expect(debug).toContain('caused by: Error: inner');
  });
});

describe('runFailureCode (run failed before the task existed)', () => {
  it('is 2 when the input or the config was wrong, 125 otherwise, so it never collides with a task exit code', () => {
    expect(runFailureCode(new UsageError('x'))).toBe(2);
    expect(runFailureCode(new ValidationError('x'))).toBe(2);
    expect(runFailureCode(new NotFoundError('no such image'))).toBe(2);
    expect(runFailureCode(new ConfigurationError('x'))).toBe(2);
    expect(runFailureCode(new ProviderError('x'))).toBe(125);
    expect(runFailureCode(new Error('x'))).toBe(125);
  });
});
