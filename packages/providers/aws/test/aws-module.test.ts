import { ConfigurationError, PORT_NAMES, TOKENS } from '@taskport/core';
import { Container } from 'inversify';
import { describe, expect, it } from 'vitest';
import {
  AwsImageRegistry,
  AwsTaskExecutor,
  CloudWatchBackendLogger,
  CloudWatchBackendObservability,
  CloudWatchLogAggregator,
  DynamoDbExecutionStore,
  taskportProvider,
} from '../src/index.js';

describe('taskportProvider (aws)', () => {
  it('binds one singleton adapter per port through its own ContainerModule', async () => {
    const options = taskportProvider.parseOptions({ region: 'eu-west-1', subnets: ['subnet-1'] }, {});
    const container = new Container();
    for (const port of PORT_NAMES) container.load(taskportProvider.modules[port]!(options) as never);
    const expected = [
      [TOKENS.TaskExecutor, AwsTaskExecutor],
      [TOKENS.ImageRegistry, AwsImageRegistry],
      [TOKENS.LogAggregator, CloudWatchLogAggregator],
      [TOKENS.BackendObservability, CloudWatchBackendObservability],
      [TOKENS.ExecutionStore, DynamoDbExecutionStore],
    ] as const;
    for (const [token, type] of expected) {
      const adapter = container.get(token);
      expect(adapter).toBeInstanceOf(type);
      expect(container.get(token)).toBe(adapter);
      expect((adapter as { provider: string }).provider).toBe('aws');
    }
  });

  it('parseOptions throws ConfigurationError naming the key', () => {
    expect(() => taskportProvider.parseOptions({}, {})).toThrow(/aws\.region/);
    try {
      taskportProvider.parseOptions({ region: 'eu-west-1', cluster: 42 }, {});
      expect.unreachable();
    } catch (error) {
      expect(ConfigurationError.isInstance(error)).toBe(true);
      expect(String(error)).toContain('aws.cluster');
    }
  });

  it('the backend logger ships to CloudWatch Logs and writes nothing on stderr', async () => {
    const options = taskportProvider.parseOptions({ region: 'eu-west-1' }, {});
    const written: string[] = [];
    const original = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => {
      written.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      const logger = taskportProvider.backendLogger!(options);
      expect(logger).toBeInstanceOf(CloudWatchBackendLogger);
      logger.log({ level: 'info', message: 'hello', requestId: 'req-1' });
    } finally {
      process.stderr.write = original;
    }
    expect(written).toEqual([]);
  });
});
