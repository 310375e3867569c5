import { GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  type LogAggregator,
  type LogEvent,
  makeEventId,
  NotFoundError,
  type OperationOptions,
  type StreamLogsOptions,
  ValidationError,
} from '@taskport/core';
import { RateLimiter, sleep } from '@taskport/provider-utils';
import { awsClients } from './aws-clients.js';
import { awsCall, PROVIDER } from './aws-errors.js';
import type { AwsClients, AwsOptions } from './aws-options.js';
import { taskIdOf } from './aws-task-executor.js';

const limiters = new WeakMap<AwsOptions, RateLimiter>();

/** GetLogEvents returns at most 10,000 events (1 MB) per page. */
const PAGE_LIMIT = 10_000;
const MAX_POLL_MS = 5_000;

/**
 * The output of ECS tasks, read from the awslogs stream `<prefix>/<container>/<task id>` in the task log
 * group. Pages follow `nextForwardToken` until it repeats (CloudWatch's end-of-stream signal). A stream that
 * does not exist (the task never started) reads as no events.
 *
 * GetLogEvents gives events no id. An event here is its timestamp, ingestion time and message, plus its
 * place among identical events (so identical lines stay separate events); its eventId is made from
 * those, so it is the same on every read. A page that overlaps what was already read (CloudWatch going
 * back after a token) is de-duplicated: an event older than the newest one yielded shows the stream went
 * back, and from there events are skipped until the position reached is passed (at the newest timestamp,
 * as many of each identical event as were yielded). A page that goes back to exactly the newest
 * timestamp cannot be told from the next page and is not de-duplicated.
 */
export class CloudWatchLogAggregator implements LogAggregator {
  readonly provider = PROVIDER;
  private readonly clients: AwsClients;
  private readonly limiter: RateLimiter;

  constructor(
    private readonly options: AwsOptions,
    clients?: AwsClients,
  ) {
    this.clients = clients ?? awsClients(options);
    let limiter = limiters.get(options);
    if (!limiter) {
      limiter = new RateLimiter(options.logsRequestsPerSecond);
      limiters.set(options, limiter);
    }
    this.limiter = limiter;
  }

  /** The stream the awslogs driver writes a task's output to. */
  streamName(executionId: string): string {
    return `${this.options.logStreamPrefix}/${this.options.containerName}/${taskIdOf(executionId)}`;
  }

  async fetchLogsByExecutionId(executionId: string, options: OperationOptions = {}): Promise<LogEvent[]> {
    const events: LogEvent[] = [];
    for await (const event of this.streamLogs(executionId, options.signal ? { signal: options.signal } : {}))
      events.push(event);
    return events;
  }

  async *streamLogs(executionId: string, options: StreamLogsOptions = {}): AsyncGenerator<LogEvent> {
    const operation = 'LogAggregator.streamLogs';
    if (typeof executionId !== 'string' || executionId.trim() === '') {
      throw new ValidationError('an execution id is required', {
        provider: PROVIDER,
        operation,
        details: { field: 'executionId' },
      });
    }
    const { signal, follow = false, since, isTaskDone } = options;
    const basePoll = Math.max(50, options.pollIntervalMs ?? 1000);
    const stream = this.streamName(executionId);
    let token: string | undefined;
    // The position reached: the newest timestamp yielded and how many of each event (ingestion time +
    // message) were yielded at it. `replay` is set while a page that went back is re-read up to there.
    let lastTimestamp = Number.NEGATIVE_INFINITY;
    let yieldedAtLast = new Map<string, number>();
    let replay: Map<string, number> | undefined;
    let poll = basePoll;
    let drained = false;

    for (;;) {
      signal?.throwIfAborted();
      const page = await this.page(stream, token, since, operation, signal);
      let yielded = 0;
      for (const raw of page?.events ?? []) {
        const timestamp = raw.timestamp ?? 0;
        const message = raw.message ?? '';
        if (since !== undefined && timestamp < since) continue;
        const identity = `${raw.ingestionTime ?? ''}\n${message}`;
        // The stream is ordered by time: an event older than the position reached means the server went
        // back, and what follows repeats what was yielded until the position is passed.
        if (timestamp < lastTimestamp) {
          replay = new Map();
          continue;
        }
        if (replay && timestamp === lastTimestamp) {
          const occurrence = replay.get(identity) ?? 0;
          replay.set(identity, occurrence + 1);
          if (occurrence < (yieldedAtLast.get(identity) ?? 0)) continue;
        }
        replay = undefined;
        if (timestamp > lastTimestamp) {
          lastTimestamp = timestamp;
          yieldedAtLast = new Map();
        }
        const occurrence = yieldedAtLast.get(identity) ?? 0;
        yieldedAtLast.set(identity, occurrence + 1);
        const eventId = makeEventId(timestamp, occurrence, identity);
        yielded++;
        signal?.throwIfAborted();
        yield { timestamp, message, eventId };
      }
      const next = page?.nextForwardToken;
      const atEnd = !page || next === undefined || next === token;
      if (page && next) token = next;
      if (!atEnd) continue;
      if (!follow || drained) return;
      // At the end of what exists now. Done tasks get one more read (lines written just before the end).
      if (isTaskDone && (await isTaskDone())) {
        drained = true;
        continue;
      }
      poll = yielded > 0 ? basePoll : Math.min(MAX_POLL_MS, Math.round(poll * 1.5));
      await sleep(poll, signal);
    }
  }

  /** One page, or `undefined` when the stream (or group) does not exist yet. */
  private async page(
    stream: string,
    token: string | undefined,
    since: number | undefined,
    operation: string,
    signal: AbortSignal | undefined,
  ) {
    try {
      return await awsCall(
        operation,
        async () => {
          await this.limiter.acquire(signal);
          return this.clients.logs.send(
            new GetLogEventsCommand({
              logGroupName: this.options.logGroup,
              logStreamName: stream,
              startFromHead: true,
              limit: PAGE_LIMIT,
              // startTime goes with every page: the token keeps the position, startTime the lower bound.
              ...(since !== undefined ? { startTime: since } : {}),
              ...(token ? { nextToken: token } : {}),
            }),
            { abortSignal: signal },
          );
        },
        {
          policy: this.options.retry,
          signal,
          notFound: ['ResourceNotFoundException'],
          what: `log stream ${stream}`,
        },
      );
    } catch (error) {
      if (NotFoundError.isInstance(error)) return undefined;
      throw error;
    }
  }
}
