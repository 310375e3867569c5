import { CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { newRequestId, ValidationError } from '@taskport/core';
import { afterEach, describe, expect, it } from 'vitest';
import { CloudWatchBackendObservability, CloudWatchLogAggregator, filterPatternFor } from '../src/index.js';
import { type MotoEnvironment, motoClients, motoEnvironment } from './support/moto.js';

async function putLines(
  env: MotoEnvironment,
  logGroupName: string,
  logStreamName: string,
  messages: string[],
  start: number,
) {
  await env.clients.logs
    .send(new CreateLogStreamCommand({ logGroupName, logStreamName }))
    .catch(() => undefined);
  for (let i = 0; i < messages.length; i += 10_000) {
    await env.clients.logs.send(
      new PutLogEventsCommand({
        logGroupName,
        logStreamName,
        logEvents: messages
          .slice(i, i + 10_000)
          .map((message, j) => ({ timestamp: start + Math.floor((i + j) / 3), message })),
      }),
    );
  }
}

describe('CloudWatchLogAggregator (moto)', () => {
  let env: MotoEnvironment;
  afterEach(async () => env?.cleanup());

  it('pages GetLogEvents with nextForwardToken until it repeats, reading the whole stream in order', async () => {
    env = await motoEnvironment();
    const logs = new CloudWatchLogAggregator(env.options, env.clients);
    const taskId = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
    const lines = Array.from({ length: 25_000 }, (_, i) => `line ${i}`);
    await putLines(env, env.options.logGroup, logs.streamName(taskId), lines, Date.now() - 60_000);
    env.clients.counter.reset();
    const events = await logs.fetchLogsByExecutionId(taskId);
    expect(events.map((e) => e.message)).toEqual(lines);
    expect(new Set(events.map((e) => e.eventId)).size).toBe(lines.length);
    // 10,000 per page: three pages with events, then one that returns the same token.
    expect(env.clients.counter.calls).toEqual(Array(4).fill('logs:GetLogEventsCommand'));
  });

  it('reads the stream the awslogs driver writes (<prefix>/<container>/<task id>) and [] when it does not exist', async () => {
    env = await motoEnvironment({ logStreamPrefix: 'jobs', containerName: 'app' });
    const logs = new CloudWatchLogAggregator(env.options, env.clients);
    expect(logs.streamName('arn:aws:ecs:us-east-1:123456789012:task/c/abc123')).toBe('jobs/app/abc123');
    expect(await logs.fetchLogsByExecutionId('abc123')).toEqual([]);
    await putLines(env, env.options.logGroup, 'jobs/app/abc123', ['hello'], Date.now());
    expect((await logs.fetchLogsByExecutionId('abc123')).map((e) => e.message)).toEqual(['hello']);
  });

  it('readers built from one options object share one GetLogEvents rate limit', async () => {
    env = await motoEnvironment({ logsRequestsPerSecond: 20 });
    const readers = [1, 2, 3].map(() => new CloudWatchLogAggregator(env.options, env.clients));
    const started = Date.now();
    // 45 reads of streams that do not exist: one call each. 20 may go at once, the other 25 at 20 per second.
    await Promise.all(
      Array.from({ length: 45 }, (_, i) => readers[i % 3]!.fetchLogsByExecutionId(`missing${i}`)),
    );
    const elapsed = Date.now() - started;
    expect(env.clients.counter.count('logs:GetLogEventsCommand')).toBe(45);
    expect(elapsed).toBeGreaterThanOrEqual(1150);
    expect(elapsed).toBeLessThan(4000);
  });

  it('de-duplicates a page that overlaps what it already read, identical lines included', async () => {
    env = await motoEnvironment();
    const logs = new CloudWatchLogAggregator(env.options, env.clients);
    const taskId = 'feed0000000000000000000000000001';
    const stream = logs.streamName(taskId);
    await env.clients.logs
      .send(new CreateLogStreamCommand({ logGroupName: env.options.logGroup, logStreamName: stream }))
      .catch(() => undefined);
    const t = Date.now() - 10_000;
    // Pages of two; identical lines at one millisecond span page boundaries.
    const written = [
      { timestamp: t, message: 'same' },
      { timestamp: t, message: 'same' },
      { timestamp: t, message: 'same' },
      { timestamp: t + 1, message: 'other' },
      { timestamp: t + 1, message: 'same' },
      { timestamp: t + 1, message: 'same' },
      { timestamp: t + 2, message: 'last' },
    ];
    await env.clients.logs.send(
      new PutLogEventsCommand({
        logGroupName: env.options.logGroup,
        logStreamName: stream,
        logEvents: written,
      }),
    );
    // The fourth request goes back two pages (to the token the second one sent): CloudWatch answers with
    // pages the reader has already read, and the reader walks forward over them again.
    const tokens: (string | undefined)[] = [];
    let calls = 0;
    (env.clients.logs.middlewareStack as unknown as { add: (mw: unknown, o: unknown) => void }).add(
      (next: (a: { input: Record<string, unknown> }) => Promise<unknown>) =>
        async (args: { input: Record<string, unknown> }) => {
          calls++;
          const input: Record<string, unknown> = { ...args.input, limit: 2 };
          tokens.push(input.nextToken as string | undefined);
          if (calls === 4) input.nextToken = tokens[1];
          return next({ ...args, input });
        },
      { step: 'initialize', name: 'replayOverlappingPages' },
    );
    const events = await logs.fetchLogsByExecutionId(taskId);
    expect(tokens[1], 'the replay went back to a real token').toBeDefined();
    expect(calls, 'the replayed pages were read').toBeGreaterThanOrEqual(6);
    expect(events.map((e) => e.message)).toEqual(written.map((w) => w.message));
    expect(events.map((e) => e.timestamp)).toEqual(written.map((w) => w.timestamp));
    expect(new Set(events.map((e) => e.eventId)).size).toBe(written.length);
    // The ids are the same on a read without replays (fresh clients, without the middleware).
    const plain = await new CloudWatchLogAggregator(env.options, motoClients()).fetchLogsByExecutionId(
      taskId,
    );
    expect(plain).toEqual(events);
  });

  it('following an idle stream backs off instead of polling at a fixed rate', async () => {
    env = await motoEnvironment();
    const logs = new CloudWatchLogAggregator(env.options, env.clients);
    const controller = new AbortController();
    const done = (async () => {
      for await (const _ of logs.streamLogs('idle0000000000000000000000000000', {
        follow: true,
        pollIntervalMs: 100,
        signal: controller.signal,
        isTaskDone: async () => false,
      })) {
        // nothing is written
      }
    })().catch(() => undefined);
    await new Promise((r) => setTimeout(r, 3000));
    controller.abort();
    await done;
    const polls = env.clients.counter.count('logs:GetLogEventsCommand');
    // A fixed 100 ms poll would make ~30 calls in 3 s; backing off x1.5 makes about 8.
    expect(polls).toBeGreaterThan(3);
    expect(polls).toBeLessThan(12);
  });
});

describe('CloudWatchBackendObservability (moto)', () => {
  let env: MotoEnvironment;
  afterEach(async () => env?.cleanup());

  const line = (requestId: string, time: number, msg: string) =>
    JSON.stringify({ time: new Date(time).toISOString(), level: 'info', request_id: requestId, msg });

  it('never puts the raw request id into the filter pattern', () => {
    expect(filterPatternFor('req-abc')).toBe('"req-abc"');
    expect(filterPatternFor('req-x" OR "y')).toBe('"req-x"');
    expect(filterPatternFor('{ $.a = 1 }')).toBeUndefined();
    expect(filterPatternFor('*?%')).toBeUndefined();
  });

  it('searches every configured group, bounded in time from the request id, merged in time order', async () => {
    const groups = [`/taskport/${Date.now()}/api`, `/taskport/${Date.now()}/worker`];
    env = await motoEnvironment({ backendLogGroups: groups });
    const observability = new CloudWatchBackendObservability(env.options, env.clients);
    const requestId = newRequestId();
    const now = Date.now();
    await putLines(
      env,
      groups[0]!,
      'api-1',
      [line(requestId, now + 2, 'second'), line('req-other', now + 3, 'other')],
      now + 2,
    );
    await putLines(
      env,
      groups[1]!,
      'worker-1',
      [line(requestId, now + 1, 'first'), line(requestId, now + 5, 'third')],
      now + 1,
    );
    // Same id, but hours before the request existed: outside the time bound.
    await putLines(
      env,
      groups[1]!,
      'worker-old',
      [line(requestId, now - 6 * 3600_000, 'stale')],
      now - 6 * 3600_000,
    );
    const inputs: Record<string, unknown>[] = [];
    (env.clients.logs.middlewareStack as unknown as { add: (mw: unknown, o: unknown) => void }).add(
      (next: (a: { input: Record<string, unknown> }) => Promise<unknown>) =>
        async (args: { input: Record<string, unknown> }) => {
          inputs.push(args.input);
          return next(args);
        },
      { step: 'initialize', name: 'recordInputs' },
    );
    const started = Date.now();
    const events = await observability.fetchBackendLogs(requestId);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(events.map((e) => JSON.parse(e.message).msg)).toEqual(['first', 'second', 'third']);
    expect(inputs.map((i) => i.logGroupName)).toEqual(groups);
    for (const input of inputs) {
      expect(input.filterPattern).toBe(`"${requestId}"`);
      expect(input.startTime as number).toBeGreaterThanOrEqual(now - 6 * 60_000);
      expect(input.endTime as number).toBeLessThanOrEqual(Date.now() + 61_000);
    }
  });

  it('a missing group holds no lines; an empty id is a ValidationError', async () => {
    env = await motoEnvironment({ backendLogGroups: ['/taskport/does-not-exist'] });
    const observability = new CloudWatchBackendObservability(env.options, env.clients);
    expect(await observability.fetchBackendLogs('req-1')).toEqual([]);
    expect(ValidationError.isInstance(await observability.fetchBackendLogs('').catch((e) => e))).toBe(true);
  });
});
