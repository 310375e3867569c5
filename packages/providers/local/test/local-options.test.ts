import { join } from 'node:path';
import { ConfigurationError } from '@taskport/core';
import { describe, expect, it } from 'vitest';
import { parseLocalOptions } from '../src/index.js';

function configError(raw: unknown, env: Record<string, string | undefined> = {}): ConfigurationError {
  try {
    parseLocalOptions(raw, env);
  } catch (error) {
    expect(ConfigurationError.isInstance(error), String(error)).toBe(true);
    return error as ConfigurationError;
  }
  throw new Error('expected a ConfigurationError');
}

describe('parseLocalOptions', () => {
  it('applies every default with no options', () => {
    expect(parseLocalOptions(undefined, { HOME: '/home/u' })).toEqual({
      dataDir: '/home/u/.local/state/taskport',
      killGraceMs: 10_000,
      inheritEnv: false,
      pollIntervalMs: 50,
      maxPollIntervalMs: 500,
      backendLogLevel: 'info',
    });
  });

  it('takes dataDir from the argument, then TASKPORT_DATA_DIR, then XDG_STATE_HOME, then HOME', () => {
    const env = { TASKPORT_DATA_DIR: '/data/tp', XDG_STATE_HOME: '/state', HOME: '/home/u' };
    expect(parseLocalOptions({ dataDir: '/explicit' }, env).dataDir).toBe('/explicit');
    expect(parseLocalOptions({}, env).dataDir).toBe('/data/tp');
    expect(parseLocalOptions({}, { ...env, TASKPORT_DATA_DIR: '' }).dataDir).toBe(join('/state', 'taskport'));
    // The XDG spec says a relative XDG_STATE_HOME is invalid and must be ignored.
    expect(parseLocalOptions({}, { XDG_STATE_HOME: 'relative', HOME: '/home/u' }).dataDir).toBe(
      '/home/u/.local/state/taskport',
    );
  });

  it('accepts numbers and booleans given as strings (config files, environment)', () => {
    const options = parseLocalOptions({ killGraceMs: '2500', inheritEnv: 'true' }, {});
    expect(options.killGraceMs).toBe(2500);
    expect(options.inheritEnv).toBe(true);
  });

  it('names the bad key in a ConfigurationError', () => {
    expect(configError({ killGraceMs: -1 }).details).toEqual({ key: 'local.killGraceMs' });
    expect(configError({ killGraceMs: 1.5 }).message).toContain('local.killGraceMs');
    expect(configError({ dataDir: '' }).details).toEqual({ key: 'local.dataDir' });
    expect(configError({ inheritEnv: 'maybe' }).details).toEqual({ key: 'local.inheritEnv' });
    expect(configError({ backendLogLevel: 'loud' }).message).toContain(
      'must be one of "debug", "info", "warn", "error"',
    );
    expect(configError({ pollIntervalMs: 100, maxPollIntervalMs: 10 }).details).toEqual({
      key: 'local.maxPollIntervalMs',
    });
    expect(configError({ dataDri: '/x' }).message).toContain('local.dataDri is not an option');
    expect(configError({ dataDri: '/x' }).message).toContain('did you mean "dataDir"?');
    expect(configError('nope').details).toEqual({ key: 'local' });
  });
});
