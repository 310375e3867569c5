import { TaskportError } from '@taskport/core';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import {
  booleanSetting,
  checkId,
  closestMatch,
  errorsFor,
  integerSetting,
  listSetting,
  loadSetting,
  parseProviderOptions,
  textSetting,
} from '../src/index.js';

const schema = v.strictObject({
  region: textSetting(),
  cluster: v.optional(textSetting(), 'default'),
  subnets: v.optional(listSetting(), []),
  assignPublicIp: v.optional(booleanSetting(), false),
  killGraceMs: v.optional(integerSetting(0, 60_000), 10_000),
  mode: v.optional(v.picklist(['environment', 'reject']), 'reject'),
});

function configError(run: () => unknown): TaskportError {
  try {
    run();
  } catch (error) {
    if (TaskportError.hasCode(error, 'CONFIGURATION')) return error;
    throw error;
  }
  throw new Error('expected a ConfigurationError');
}

describe('parseProviderOptions', () => {
  it('applies defaults and takes absent keys from the environment, coercing their strings', () => {
    const options = parseProviderOptions(
      schema,
      { region: 'eu-west-1' },
      {
        provider: 'aws',
        env: { TP_SUBNETS: 'subnet-1, subnet-2', TP_PUBLIC: 'yes', TP_GRACE: '2500' },
        optionEnv: { subnets: 'TP_SUBNETS', assignPublicIp: 'TP_PUBLIC', killGraceMs: 'TP_GRACE' },
      },
    );
    expect(options).toEqual({
      region: 'eu-west-1',
      cluster: 'default',
      subnets: ['subnet-1', 'subnet-2'],
      assignPublicIp: true,
      killGraceMs: 2500,
      mode: 'reject',
    });
  });

  it('prefers the argument over the environment', () => {
    const options = parseProviderOptions(
      schema,
      { region: 'eu-west-1' },
      { provider: 'aws', env: { AWS_REGION: 'us-east-1' }, optionEnv: { region: ['AWS_REGION'] } },
    );
    expect(options.region).toBe('eu-west-1');
  });

  it('names an unknown key and the nearest valid one', () => {
    const error = configError(() =>
      parseProviderOptions(
        schema,
        { region: 'x', clustr: 'jobs' },
        { provider: 'aws', where: 'in ./taskport.yaml' },
      ),
    );
    expect(error.message).toContain('aws.clustr in ./taskport.yaml is not an option of the aws provider');
    expect(error.message).toContain('did you mean "cluster"?');
  });

  it('says which environment variable held a bad value and what is expected', () => {
    const error = configError(() =>
      parseProviderOptions(
        schema,
        { region: 'x' },
        { provider: 'aws', env: { TP_GRACE: 'soon' }, optionEnv: { killGraceMs: 'TP_GRACE' } },
      ),
    );
    expect(error.message).toContain('option aws.killGraceMs (from the environment variable TP_GRACE)');
    expect(error.message).toContain('whole number from 0 to 60000');
  });

  it('rejects a boolean spelled wrongly and an enum value outside the set', () => {
    expect(
      configError(() =>
        parseProviderOptions(schema, { region: 'x', assignPublicIp: 'maybe' }, { provider: 'aws' }),
      ).message,
    ).toContain('must be true or false, got "maybe"');
    expect(
      configError(() => parseProviderOptions(schema, { region: 'x', mode: 'plain' }, { provider: 'aws' }))
        .message,
    ).toContain('must be one of "environment", "reject"');
  });

  it('reports a missing required option', () => {
    expect(configError(() => parseProviderOptions(schema, {}, { provider: 'aws' })).message).toBe(
      'option aws.region is required',
    );
  });

  it('rejects a list with an empty item and a number out of range, saying what is expected', () => {
    const list = configError(() =>
      parseProviderOptions(schema, { region: 'x', subnets: ['a', ' '] }, { provider: 'aws' }),
    );
    expect(list.message).toContain('option aws.subnets');
    expect(list.message).toContain('must be a list of non-empty strings');
    expect(
      configError(() =>
        parseProviderOptions(schema, { region: 'x', killGraceMs: 70_000 }, { provider: 'aws' }),
      ).message,
    ).toBe('option aws.killGraceMs must be a whole number from 0 to 60000');
  });

  it('rejects a section that is not a mapping', () => {
    expect(configError(() => parseProviderOptions(schema, ['a'], { provider: 'aws' })).message).toContain(
      'must be a mapping of options, got a list',
    );
  });
});

describe('closestMatch', () => {
  it('finds likely typos and ignores unrelated words', () => {
    expect(closestMatch('clustr', ['cluster', 'region'])).toBe('cluster');
    expect(closestMatch('provider', ['providers', 'local', 'aws'])).toBe('providers');
    expect(closestMatch('lcoal', ['providers', 'local', 'aws'])).toBe('local');
    expect(closestMatch('kubernetes', ['local', 'aws'])).toBeUndefined();
  });
});

describe('loadSetting', () => {
  it('takes the argument, else the first non-empty variable, else says where to set it', () => {
    expect(loadSetting(' eu-west-1 ', {}, { name: 'aws.region' })).toBe('eu-west-1');
    expect(loadSetting(undefined, { A: '', B: 'us-east-2' }, { name: 'aws.region', env: ['A', 'B'] })).toBe(
      'us-east-2',
    );
    const error = configError(() =>
      loadSetting(
        undefined,
        {},
        { name: 'aws.region', env: ['AWS_REGION'], description: 'choose the region' },
      ),
    );
    expect(error.message).toBe(
      'aws.region is not set; set it in taskport.yaml or the environment variable AWS_REGION to choose the region',
    );
  });
});

describe('checkId and errorsFor', () => {
  it('rejects an id of the wrong shape with the expected shape, before any call', () => {
    const rule = { what: 'execution id', pattern: /^[0-9a-f]{32}$/, expected: 'a 32-hex task id' };
    expect(checkId('0123456789abcdef0123456789abcdef', rule)).toBe('0123456789abcdef0123456789abcdef');
    expect(() => checkId('x" OR 1=1', rule, { provider: 'aws', operation: 'TaskExecutor.killTask' })).toThrow(
      '[aws] TaskExecutor.killTask: "x\\" OR 1=1" is not a valid execution id; expected a 32-hex task id',
    );
  });

  it('prefixes messages with provider, port and operation', async () => {
    const { ValidationError } = await import('@taskport/core');
    const fail = errorsFor('gcp-cloudrun', 'taskExecutor');
    const error = fail(ValidationError, 'startTask', 'cpu must be 1, 2, 4, 6 or 8');
    expect(error.message).toBe('[gcp-cloudrun] TaskExecutor.startTask: cpu must be 1, 2, 4, 6 or 8');
    expect(ValidationError.isInstance(error)).toBe(true);
  });
});
