import { describe, expect, it } from 'vitest';
import type { ExecutionRequest } from '../src/domain/execution-request.js';
import { commandArgv, displayCommand } from '../src/domain/execution-request.js';
import { validateExecutionRequest } from '../src/domain/validate-execution-request.js';
import { ValidationError } from '../src/errors/taskport-error.js';

function rejection(request: unknown): ValidationError {
  try {
    validateExecutionRequest(request as ExecutionRequest);
  } catch (error) {
    if (ValidationError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('validateExecutionRequest', () => {
  it('normalises a minimal request', () => {
    expect(validateExecutionRequest({ command: 'echo hi' })).toEqual({
      command: 'echo hi',
      image: '',
      env: {},
      secrets: {},
      timeoutSeconds: undefined,
      labels: {},
      idempotencyKey: undefined,
      workingDir: undefined,
      interactive: false,
    });
  });

  it.each([
    [{ command: 'x', workingDir: 'relative/dir' }, /absolute path/],
    [{ command: 'x', workingDir: '' }, /absolute path/],
    [{ command: 'x', workingDir: '/a\nb' }, /control characters/],
    [{ command: 'x', workingDir: `/${'d'.repeat(5000)}` }, /at most 4096/],
  ])('rejects the working directory of %j', (request, message) => {
    const error = rejection(request);
    expect(error.details?.field).toBe('workingDir');
    expect(error.message).toMatch(message);
  });

  it('keeps an absolute working directory and the interactive flag', () => {
    expect(
      validateExecutionRequest({ command: 'x', workingDir: '/srv/app', interactive: true }),
    ).toMatchObject({
      workingDir: '/srv/app',
      interactive: true,
    });
  });

  it.each([
    [{ command: '  ' }, 'command', /command is required/],
    [{ command: [] }, 'command', /argv must start/],
    [{ command: ['ls', 3] }, 'command[1]', /must be a string/],
    [{ command: 'x', env: { '1BAD': 'v' } }, 'env.1BAD', /not a valid variable name/],
    [{ command: 'x', env: { A: 1 } }, 'env.A', /string value/],
    [{ command: 'x', timeoutSeconds: 0 }, 'timeoutSeconds', /from 1 to 604800/],
    [{ command: 'x', timeoutSeconds: 1.5 }, 'timeoutSeconds', /whole number/],
    [{ command: 'x', labels: { '-bad': 'v' } }, 'labels.-bad', /label key/],
    [{ command: 'x', idempotencyKey: 'has space' }, 'idempotencyKey', /1-64 letters/],
    [
      { command: 'x', env: { TOKEN: 'a' }, secrets: { TOKEN: 'b' } },
      'env.TOKEN',
      /both as env and as a secret/,
    ],
  ])('rejects %j naming the field', (request, field, message) => {
    const error = rejection(request);
    expect(error.details?.field).toBe(field);
    expect(error.message).toMatch(message);
  });

  it('never puts a secret value in an error message', () => {
    const error = rejection({ command: 'x', secrets: { API_TOKEN: 42 } });
    expect(error.message).not.toContain('42');
    expect(error.message).not.toContain('number');
  });
});

describe('commands as data', () => {
  it('runs a string through /bin/sh -c and an array as argv', () => {
    expect(commandArgv('echo $HOME')).toEqual(['/bin/sh', '-c', 'echo $HOME']);
    expect(commandArgv(['echo', 'a b'])).toEqual(['echo', 'a b']);
  });

  it('renders argv readably with quoting only for display', () => {
    expect(displayCommand(['echo', 'hello world', "it's"])).toBe(`echo 'hello world' 'it'\\''s'`);
  });
});
