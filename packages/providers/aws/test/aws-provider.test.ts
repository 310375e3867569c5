import { ConfigurationError, isCloseable, PORT_NAMES } from '@taskport/core';
import { describe, expect, it } from 'vitest';
import {
  AwsImageRegistry,
  AwsTaskExecutor,
  CloudWatchBackendLogger,
  CloudWatchBackendObservability,
  CloudWatchLogAggregator,
  DynamoDbExecutionStore,
  parseAwsOptions,
  taskportProvider,
} from '../src/index.js';

const deps = { env: {} };

describe('taskportProvider (aws)', () => {
  it('has one plain factory per port, each building that port adapter', () => {
    const options = parseAwsOptions({ region: 'eu-west-1', subnets: ['subnet-1'] }, {});
    expect(Object.keys(taskportProvider.factories).sort()).toEqual([...PORT_NAMES].sort());
    const { factories } = taskportProvider;
    const built = [
      [factories.taskExecutor!(options, deps), AwsTaskExecutor],
      [factories.imageRegistry!(options, deps), AwsImageRegistry],
      [factories.logAggregator!(options, deps), CloudWatchLogAggregator],
      [factories.backendObservability!(options, deps), CloudWatchBackendObservability],
      [factories.executionStore!(options, deps), DynamoDbExecutionStore],
    ] as const;
    for (const [adapter, type] of built) {
      expect(adapter).toBeInstanceOf(type);
      expect((adapter as { provider: string }).provider).toBe('aws');
    }
    // The executor holds timers (the timeout watchdog): it must be closeable.
    expect(isCloseable(built[0][0])).toBe(true);
  });

  it('parses options through its schema: region from the environment, unknown keys with a suggestion', () => {
    expect(() => parseAwsOptions({}, {})).toThrow(/aws\.region/);
    expect(parseAwsOptions({}, { AWS_DEFAULT_REGION: 'us-east-2' }).region).toBe('us-east-2');
    expect(parseAwsOptions({}, { AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'us-east-2' }).region).toBe(
      'eu-west-1',
    );
    try {
      parseAwsOptions({ region: 'eu-west-1', clustr: 'jobs' }, {});
      expect.unreachable();
    } catch (error) {
      expect(ConfigurationError.isInstance(error)).toBe(true);
      expect(String(error)).toContain(
        'aws.clustr is not an option of the aws provider; did you mean "cluster"?',
      );
    }
    expect(() => parseAwsOptions({ region: 'eu-west-1', cluster: 42 }, {})).toThrow(/aws\.cluster/);
    expect(parseAwsOptions({ region: 'eu-west-1', subnets: 'subnet-1,subnet-2' }, {}).subnets).toEqual([
      'subnet-1',
      'subnet-2',
    ]);
  });

  it('the backend logger ships to CloudWatch Logs (closeable) and writes nothing on stderr', async () => {
    const options = parseAwsOptions({ region: 'eu-west-1' }, {});
    const written: string[] = [];
    const original = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => {
      written.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      const logger = taskportProvider.backendLogger!(options, deps);
      expect(logger).toBeInstanceOf(CloudWatchBackendLogger);
      expect(isCloseable(logger)).toBe(true);
      logger.log({ level: 'info', message: 'hello', requestId: 'req-1' });
    } finally {
      process.stderr.write = original;
    }
    expect(written).toEqual([]);
  });
});
