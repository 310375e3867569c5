import {
  ConfigurationError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ProviderError,
  UnauthorizedError,
  UnavailableError,
  ValidationError,
} from '@taskport/core';
import { type RetryOptions, withRetry as retryLoop } from '@taskport/provider-utils';
import { describe, expect, it } from 'vitest';
import {
  classifyAwsError,
  isThrottle,
  isTransient,
  parseAwsOptions,
  translateAwsError,
} from '../src/index.js';

/**
 * provider-utils' retry loop with the AWS classifier, as every AWS call runs it. The tests give throttles
 * the same base delay as other failures, to keep their timing arithmetic in one number.
 */
function withRetry<T>(call: () => Promise<T>, options: Omit<RetryOptions, 'classify'> = {}): Promise<T> {
  const policy = { ...options.policy, throttleBaseDelayMs: options.policy?.baseDelayMs ?? 1 };
  return retryLoop(call, { ...options, classify: classifyAwsError, policy });
}

/** An error shaped like the SDK's ServiceException (unit tests of classification only). */
function sdkError(name: string, message: string, status = 400, fault: 'client' | 'server' = 'client') {
  return Object.assign(new Error(message), { name, $fault: fault, $metadata: { httpStatusCode: status } });
}

describe('throttle and 5xx classification', () => {
  it.each([
    ['ECS InvalidParameterException "Rate exceeded"', sdkError('InvalidParameterException', 'Rate exceeded')],
    ['ECS ClientException "Rate exceeded"', sdkError('ClientException', 'Rate exceeded')],
    ['ThrottlingException', sdkError('ThrottlingException', 'slow down please')],
    [
      'DynamoDB ProvisionedThroughputExceededException',
      sdkError('ProvisionedThroughputExceededException', 'x'),
    ],
    ['an HTTP 429', sdkError('Unknown', 'x', 429)],
  ])('%s is a throttle', (_name, error) => {
    expect(isThrottle(error)).toBe(true);
    expect(UnavailableError.isInstance(translateAwsError(error, 'op'))).toBe(true);
  });

  it.each([
    ['an HTTP 500', sdkError('InternalFailure', 'boom', 500, 'server')],
    ['an HTTP 503', sdkError('Unknown', 'x', 503, 'server')],
    ['ECS ServerException', sdkError('ServerException', 'x', 500, 'server')],
    ['a reset connection', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
  ])('%s is transient', (_name, error) => {
    expect(isTransient(error)).toBe(true);
    expect(translateAwsError(error, 'op').retryable).toBe(true);
  });

  it('a DynamoDB transaction cancelled by a conflicting transaction is retried; one cancelled by a condition is not', () => {
    const conflict = Object.assign(sdkError('TransactionCanceledException', 'Transaction cancelled'), {
      CancellationReasons: [{ Code: 'None' }, { Code: 'TransactionConflict' }],
    });
    const condition = Object.assign(sdkError('TransactionCanceledException', 'Transaction cancelled'), {
      CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }],
    });
    expect(isTransient(conflict)).toBe(true);
    expect(isTransient(condition) || isThrottle(condition)).toBe(false);
  });

  it('an invalid parameter that is not about rate is neither, and is not retried', async () => {
    const error = sdkError(
      'InvalidParameterException',
      'Task definition does not support launch_type FARGATE.',
    );
    expect(isThrottle(error) || isTransient(error)).toBe(false);
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw error;
      }),
    ).rejects.toBe(error);
    expect(calls).toBe(1);
    expect(ProviderError.isInstance(translateAwsError(error, 'TaskExecutor.startTask'))).toBe(true);
  });

  it('retries throttles with growing, jittered delays until the call succeeds', async () => {
    const started: number[] = [];
    const result = await withRetry(
      async () => {
        started.push(Date.now());
        if (started.length < 4) throw sdkError('InvalidParameterException', 'Rate exceeded');
        return 'ok';
      },
      { policy: { baseDelayMs: 20, maxDelayMs: 1000 }, random: () => 0.99 },
    );
    expect(result).toBe('ok');
    const gaps = started.slice(1).map((t, i) => t - started[i]!);
    expect(gaps[0]).toBeGreaterThanOrEqual(15);
    expect(gaps[2]).toBeGreaterThan(gaps[0]! * 2.5);
  });

  it('gives up when the attempts or the time budget are spent', async () => {
    let calls = 0;
    const throttle = sdkError('ThrottlingException', 'Rate exceeded');
    await expect(
      withRetry(
        async () => {
          calls++;
          throw throttle;
        },
        { policy: { maxAttempts: 3, baseDelayMs: 1 } },
      ),
    ).rejects.toBe(throttle);
    expect(calls).toBe(3);
    calls = 0;
    const started = Date.now();
    await expect(
      withRetry(
        async () => {
          calls++;
          throw throttle;
        },
        { policy: { maxAttempts: 100, baseDelayMs: 50, maxDelayMs: 50, budgetMs: 200 }, random: () => 1 },
      ),
    ).rejects.toBe(throttle);
    expect(Date.now() - started).toBeLessThan(400);
    expect(calls).toBeLessThan(6);
  });

  it('stops retrying when the signal aborts, with the signal reason', async () => {
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    setTimeout(() => controller.abort(reason), 30);
    await expect(
      withRetry(
        async () => {
          throw sdkError('ThrottlingException', 'x');
        },
        { policy: { baseDelayMs: 1000, maxDelayMs: 1000 }, signal: controller.signal, random: () => 1 },
      ),
    ).rejects.toBe(reason);
  });

  it('maps vendor errors to taskport errors, keeping the original as cause and naming provider and operation', () => {
    const denied = sdkError('AccessDeniedException', 'not allowed to ecs:RunTask');
    const translated = translateAwsError(denied, 'TaskExecutor.startTask');
    expect(ForbiddenError.isInstance(translated)).toBe(true);
    expect(translated.cause).toBe(denied);
    expect(translated.message).toMatch(/^\[aws\] TaskExecutor\.startTask: /);
    expect(
      UnauthorizedError.isInstance(
        translateAwsError(sdkError('UnrecognizedClientException', 'bad key'), 'op'),
      ),
    ).toBe(true);
    expect(
      NotFoundError.isInstance(
        translateAwsError(sdkError('NoSuchEntity', 'x'), 'op', { notFound: ['NoSuchEntity'] }),
      ),
    ).toBe(true);
    expect(
      ConflictError.isInstance(
        translateAwsError(sdkError('ConditionalCheckFailedException', 'x'), 'op', {
          conflict: ['ConditionalCheckFailedException'],
        }),
      ),
    ).toBe(true);
    expect(
      ConfigurationError.isInstance(
        translateAwsError(sdkError('ResourceNotFoundException', 'x'), 'op', {
          configuration: ['ResourceNotFoundException'],
        }),
      ),
    ).toBe(true);
  });
});

describe('parseAwsOptions', () => {
  it('applies defaults and falls back to AWS_REGION', () => {
    const options = parseAwsOptions({ subnets: 'subnet-1, subnet-2' }, { AWS_REGION: 'eu-west-1' });
    expect(options).toMatchObject({
      region: 'eu-west-1',
      cluster: 'default',
      subnets: ['subnet-1', 'subnet-2'],
      assignPublicIp: false,
      logGroup: '/taskport/tasks',
      logStreamPrefix: 'taskport',
      imagesTable: 'taskport-images',
      executionsTable: 'taskport-executions',
      plainSecrets: 'reject',
    });
  });

  it.each([
    [{}, 'aws.region'],
    [{ region: 'mars' }, 'aws.region'],
    [{ region: 'eu-west-1', subnets: [1] }, 'aws.subnets'],
    [{ region: 'eu-west-1', defaultExecutionRoleArn: 'exec-role' }, 'aws.defaultExecutionRoleArn'],
    [{ region: 'eu-west-1', plainSecrets: 'maybe' }, 'aws.plainSecrets'],
    [{ region: 'eu-west-1', startedBy: 'has space' }, 'aws.startedBy'],
    [{ region: 'eu-west-1', assignPublicIp: 'maybe' }, 'aws.assignPublicIp'],
  ])('rejects %j with a ConfigurationError naming %s', (raw, key) => {
    let error: unknown;
    try {
      parseAwsOptions(raw, {});
    } catch (e) {
      error = e;
    }
    expect(ConfigurationError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(key);
    expect(ValidationError.isInstance(error)).toBe(false);
  });
});
