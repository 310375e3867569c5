import { GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { newRequestId } from '@taskport/core';
import { afterEach, describe, expect, it } from 'vitest';
import { CloudWatchBackendLogger, CloudWatchBackendObservability, parseAwsOptions } from '../src/index.js';
import { CallCounter, type MotoEnvironment, motoClients, motoEnvironment } from './support/moto.js';

describe('CloudWatchBackendLogger (moto)', () => {
  let env: MotoEnvironment;
  afterEach(async () => {
    await env?.cleanup();
  });

  it('buffers lines and ships them in one PutLogEvents on close, where BackendObservability finds them', async () => {
    env = await motoEnvironment();
    const logger = new CloudWatchBackendLogger(env.options, env.clients, {
      logStreamName: 'taskport/test/one',
      flushIntervalMs: 60_000,
    });
    const requestId = newRequestId();
    for (let i = 0; i < 50; i++) logger.log({ level: 'info', message: `line ${i}`, requestId });
    logger.log({ level: 'debug', message: 'below the level', requestId });
    expect(env.clients.counter.count('logs:')).toBe(0);
    await logger.close();
    expect(env.clients.counter.calls).toEqual(['logs:CreateLogStreamCommand', 'logs:PutLogEventsCommand']);
    const { events } = await env.clients.logs.send(
      new GetLogEventsCommand({
        logGroupName: env.options.backendLogGroups[0],
        logStreamName: 'taskport/test/one',
        startFromHead: true,
      }),
    );
    expect(events).toHaveLength(50);
    expect(JSON.parse(events![0]!.message!)).toMatchObject({
      level: 'info',
      request_id: requestId,
      msg: 'line 0',
    });
    const found = await new CloudWatchBackendObservability(env.options, env.clients).fetchBackendLogs(
      requestId,
    );
    expect(found).toHaveLength(50);
    // After close nothing more is buffered or sent.
    logger.log({ level: 'info', message: 'late', requestId });
    await logger.close();
    expect(env.clients.counter.count('logs:PutLogEvents')).toBe(1);
  });

  it('creates a missing backend log group instead of losing the lines', async () => {
    env = await motoEnvironment();
    const options = { ...env.options, backendLogGroups: [`/taskport/missing-${Date.now()}`] };
    const logger = new CloudWatchBackendLogger(options, env.clients);
    const requestId = newRequestId();
    logger.log({ level: 'warn', message: 'kept', requestId });
    await logger.close();
    expect(logger.dropped).toBe(0);
    expect(
      await new CloudWatchBackendObservability(options, env.clients).fetchBackendLogs(requestId),
    ).toHaveLength(1);
  });

  it('a backend that cannot be reached never throws: the batch is dropped and reported once', async () => {
    const options = parseAwsOptions({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    });
    const errors: unknown[] = [];
    const logger = new CloudWatchBackendLogger(
      options,
      motoClients(new CallCounter(), 'http://127.0.0.1:9'),
      {
        onError: (error) => errors.push(error),
      },
    );
    logger.log({ level: 'error', message: 'x', requestId: 'req-1' });
    await expect(logger.close()).resolves.toBeUndefined();
    expect(logger.dropped).toBe(1);
    expect(errors).toHaveLength(1);
  });
});
