import { describe, expect, it } from 'vitest';
import { parseCommandArgs, parseDurationSeconds, parseInteger, parseKeyValues } from '../src/args.js';
import { UsageError } from '../src/usage-error.js';

describe('parseDurationSeconds', () => {
  it.each([
    ['30s', 30],
    ['5m', 300],
    ['1h', 3600],
    ['1h30m', 5400],
    ['2d', 172800],
    ['90', 90],
    [' 10s ', 10],
  ])('reads %s as %d seconds', (text, seconds) => {
    expect(parseDurationSeconds('--timeout', text)).toBe(seconds);
  });

  it('rejects a negative duration as negative and one past the maximum naming the maximum', () => {
    expect(() => parseDurationSeconds('--timeout', '-5m')).toThrow(/--timeout "-5m" must be positive/);
    expect(() => parseDurationSeconds('--timeout', '100d', 7 * 86400)).toThrow(
      /--timeout "100d" is too long; the longest allowed is 7d$/,
    );
  });

  it.each(['', 'abc', '0s', '1.5s', '500ms', '5 m', '30s5m'])('rejects "%s" with a usage error', (text) => {
    expect(() => parseDurationSeconds('--timeout', text)).toThrow(UsageError);
    expect(() => parseDurationSeconds('--timeout', text)).toThrow(
      /--timeout .* is not a duration; use e\.g\. 30s/,
    );
  });
});

describe('parseKeyValues', () => {
  it('splits at the first "=" so values may contain "="', () => {
    expect(parseKeyValues('--env', ['A=1', 'B=x=y', 'C='])).toEqual({ A: '1', B: 'x=y', C: '' });
  });

  it('takes a bare name from the given environment, like docker run -e NAME', () => {
    expect(parseKeyValues('--env', ['HOME_DIR'], { HOME_DIR: '/home/me' })).toEqual({ HOME_DIR: '/home/me' });
  });

  it('rejects a bare name that is not set, and a bare name where no environment applies', () => {
    expect(() => parseKeyValues('--env', ['NOPE'], {})).toThrow(
      /--env NOPE: no value given and NOPE is not set/,
    );
    expect(() => parseKeyValues('--label', ['team'])).toThrow(/--label "team" must be KEY=VALUE/);
  });

  it('rejects an empty name', () => {
    expect(() => parseKeyValues('--env', ['=1'], {})).toThrow(/empty name/);
  });
});

describe('parseInteger', () => {
  it('accepts whole numbers within bounds and rejects the rest', () => {
    expect(parseInteger('--limit', '20', 1, 1000)).toBe(20);
    for (const bad of ['0', '1001', '2.5', 'ten', '-1', '']) {
      expect(() => parseInteger('--limit', bad, 1, 1000)).toThrow(
        /--limit .* must be a whole number from 1 to 1000/,
      );
    }
  });
});

describe('parseCommandArgs', () => {
  const options = {
    json: { type: 'boolean', description: '' },
    limit: { type: 'string', description: '' },
  } as const;

  it('parses options, positionals and the global options', () => {
    const parsed = parseCommandArgs('list', ['--json', '--data-dir', '/tmp/x', 'a'], options, 1);
    expect(parsed.values).toMatchObject({ json: true, 'data-dir': '/tmp/x' });
    expect(parsed.positionals).toEqual(['a']);
  });

  it('turns parse errors into one-line usage errors that say what to fix', () => {
    expect(() => parseCommandArgs('list', ['--nope'], options, 0)).toThrow(
      "unknown option --nope; see 'taskport list --help'",
    );
    expect(() => parseCommandArgs('list', ['--limit'], options, 0)).toThrow(
      "--limit needs a value; see 'taskport list --help'",
    );
    expect(() => parseCommandArgs('list', ['extra'], options, 0)).toThrow('unexpected argument "extra"');
  });

  it('tells run users to put the command after "--"', () => {
    expect(() => parseCommandArgs('run', ['-la'], options, Number.POSITIVE_INFINITY)).toThrow(
      /taskport run \[options\] -- <command/,
    );
  });
});
