import { describe, expect, it } from 'vitest';
import { requestFingerprint } from '../src/domain/request-fingerprint.js';
import { parseStopSignal, validateStopOptions } from '../src/domain/stop-options.js';
import { ValidationError } from '../src/errors/taskport-error.js';
import { checkStartCapabilities, checkStopCapabilities } from '../src/service/executor-capabilities.js';

function thrown(action: () => unknown): ValidationError {
  try {
    action();
  } catch (error) {
    if (ValidationError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('stop options', () => {
  it.each([
    ['SIGINT', 'SIGINT'],
    ['int', 'SIGINT'],
    [' Term ', 'SIGTERM'],
    ['9', 'SIGKILL'],
    ['15', 'SIGTERM'],
    ['usr1', 'SIGUSR1'],
  ])('reads %j as %s', (text, signal) => {
    expect(parseStopSignal(text)).toBe(signal);
  });

  it.each(['SIGSTOP', 'FOO', '99', '', 'SIG'])('refuses %j and lists the names', (text) => {
    const error = thrown(() => parseStopSignal(text));
    expect(error.details?.field).toBe('stopSignal');
    expect(error.message).toContain('SIGINT');
  });

  it.each([-1, 1.5, 3601, Number.NaN])('refuses a grace period of %s', (grace) => {
    const error = thrown(() => validateStopOptions({ gracePeriodSeconds: grace }));
    expect(error.details?.field).toBe('gracePeriodSeconds');
    expect(error.message).toMatch(/0 to 3600/);
  });

  it('normalises the signal and keeps a grace of 0', () => {
    expect(validateStopOptions({ stopSignal: 'int' as never, gracePeriodSeconds: 0 })).toEqual({
      stopSignal: 'SIGINT',
      gracePeriodSeconds: 0,
    });
    expect(validateStopOptions(undefined)).toEqual({});
  });
});

describe('executor capabilities', () => {
  const none = {
    provider: 'plain',
    capabilities: {
      killWhileStarting: true,
      nativeTimeout: true,
      runsImages: true,
      workingDir: false,
      stdin: false,
      stopSignal: false,
      stopGracePeriod: false,
    },
  };
  const all = {
    provider: 'full',
    capabilities: {
      ...none.capabilities,
      workingDir: true,
      stdin: true,
      stopSignal: true,
      stopGracePeriod: true,
    },
  };

  it.each([
    [{ workingDir: '/srv' }, 'workingDir', /--workdir/],
    [{ interactive: true }, 'interactive', /run -i/],
  ])('refuses %j where the executor cannot, saying what to drop', (request, field, hint) => {
    const error = thrown(() => checkStartCapabilities(none, request));
    expect(error.details).toMatchObject({ field, executor: 'plain' });
    expect(error.message).toMatch(/^the plain executor cannot/);
    expect(error.message).toMatch(hint);
    expect(() => checkStartCapabilities(all, request)).not.toThrow();
  });

  it('refuses a chosen signal or grace where the executor cannot, but SIGTERM is what it sends anyway', () => {
    expect(thrown(() => checkStopCapabilities(none, { stopSignal: 'SIGINT' })).details?.field).toBe(
      'stopSignal',
    );
    expect(thrown(() => checkStopCapabilities(none, { gracePeriodSeconds: 5 })).details?.field).toBe(
      'gracePeriodSeconds',
    );
    expect(() => checkStopCapabilities(none, { stopSignal: 'SIGTERM' })).not.toThrow();
    expect(() => checkStopCapabilities(all, { stopSignal: 'SIGINT', gracePeriodSeconds: 0 })).not.toThrow();
  });
});

describe('request fingerprints with a working directory or stdin', () => {
  const base = { command: 'x', image: 'i', envNames: [], labels: {} };
  it('are unchanged for requests without them (fingerprints stored earlier still match)', () => {
    expect(requestFingerprint(base)).toBe(requestFingerprint({ ...base, interactive: false }));
  });
  it('differ by directory and by stdin', () => {
    const plain = requestFingerprint(base);
    const inSrv = requestFingerprint({ ...base, workingDir: '/srv' });
    const interactive = requestFingerprint({ ...base, interactive: true });
    expect(
      new Set([plain, inSrv, interactive, requestFingerprint({ ...base, workingDir: '/tmp' })]).size,
    ).toBe(4);
  });
});
