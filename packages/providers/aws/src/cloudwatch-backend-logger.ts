import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { InputLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import type { BackendLogEntry, BackendLogger } from '@taskport/core';
import { AwsClientSource, awsClients } from './aws-clients.js';
import { errorName } from './aws-errors.js';
import type { AwsClients, AwsOptions } from './aws-options.js';

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;

/** PutLogEvents limits: 10,000 events and 1,048,576 bytes per call, counting 26 bytes per event. */
const MAX_BATCH_EVENTS = 10_000;
const MAX_BATCH_BYTES = 1_048_576;
const EVENT_OVERHEAD_BYTES = 26;
/** CloudWatch refuses a single event over 256 KiB (less the overhead); longer lines are cut. */
const MAX_EVENT_BYTES = 256 * 1024 - EVENT_OVERHEAD_BYTES;

export interface CloudWatchBackendLoggerOptions {
  /** Lines below this level are dropped. @default 'info' */
  minLevel?: BackendLogEntry['level'];
  /** Buffered lines are sent at least this often. @default 2000 */
  flushIntervalMs?: number;
  /** Told once per failed batch (never with the lines themselves). @default nothing */
  onError?: (error: unknown) => void;
  /** Log stream name. @default `taskport/<host>/<pid>/<random>`, one stream per process */
  logStreamName?: string;
}

/**
 * taskport's own structured lines, shipped to the first of `backendLogGroups` (where
 * CloudWatchBackendObservability searches them) with batched PutLogEvents, in the JSON shape that
 * `JsonLinesLogger` writes. `log` only buffers; a timer (unref'd, so it never keeps a CLI alive) and
 * `close()` send. A failed batch is dropped and reported to `onError`: shipping diagnostics must never
 * fail or slow down the operation being logged, and nothing is printed on the user's terminal.
 */
export class CloudWatchBackendLogger implements BackendLogger {
  private readonly minLevel: number;
  private readonly logGroupName: string | undefined;
  private readonly logStreamName: string;
  private readonly onError: (error: unknown) => void;
  private buffer: InputLogEvent[] = [];
  private bufferBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private stream: Promise<void> | undefined;
  private sending: Promise<void> = Promise.resolve();
  private closed = false;
  /** Lines that could not be shipped (for tests and diagnostics). */
  dropped = 0;

  private readonly clients: AwsClientSource;

  constructor(
    options: AwsOptions,
    given: AwsClientSource | Partial<AwsClients> = {},
    private readonly settings: CloudWatchBackendLoggerOptions = {},
  ) {
    this.clients = given instanceof AwsClientSource ? given : awsClients(options, given);
    this.minLevel = LEVELS[settings.minLevel ?? 'info'];
    this.logGroupName = options.backendLogGroups[0];
    this.logStreamName =
      settings.logStreamName ??
      `taskport/${hostname().replace(/[:*]/g, '_')}/${process.pid}/${randomBytes(4).toString('hex')}`;
    this.onError = settings.onError ?? (() => {});
  }

  log(entry: BackendLogEntry): void {
    if (this.closed || !this.logGroupName || LEVELS[entry.level] < this.minLevel) return;
    try {
      const timestamp = entry.timestamp ?? Date.now();
      let message = JSON.stringify({
        time: new Date(timestamp).toISOString(),
        level: entry.level,
        request_id: entry.requestId,
        msg: entry.message,
        ...entry.fields,
      });
      let bytes = Buffer.byteLength(message);
      if (bytes > MAX_EVENT_BYTES) {
        message = Buffer.from(message).subarray(0, MAX_EVENT_BYTES).toString('utf8');
        bytes = Buffer.byteLength(message);
      }
      if (this.bufferBytes + bytes + EVENT_OVERHEAD_BYTES > MAX_BATCH_BYTES) this.flush();
      this.buffer.push({ timestamp, message });
      this.bufferBytes += bytes + EVENT_OVERHEAD_BYTES;
      if (this.buffer.length >= MAX_BATCH_EVENTS) this.flush();
      else if (!this.timer) {
        this.timer = setTimeout(() => this.flush(), this.settings.flushIntervalMs ?? 2000);
        this.timer.unref();
      }
    } catch (error) {
      // Logging never changes the outcome of an operation.
      this.onError(error);
    }
  }

  /** Sends what is buffered now; batches go out one after another, in order. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer.length === 0) return this.sending;
    const batch = this.buffer.sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
    this.buffer = [];
    this.bufferBytes = 0;
    this.sending = this.sending.then(() =>
      this.send(batch).catch((error: unknown) => {
        this.dropped += batch.length;
        this.onError(error);
      }),
    );
    return this.sending;
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  private async send(batch: InputLogEvent[]): Promise<void> {
    await this.ensureStream();
    try {
      await this.put(batch);
    } catch (error) {
      // The stream (or group) went away since: make it again, once.
      if (errorName(error) !== 'ResourceNotFoundException') throw error;
      this.stream = undefined;
      await this.ensureStream();
      await this.put(batch);
    }
  }

  private put(batch: InputLogEvent[]) {
    return this.clients.logs((logs, sdk) =>
      logs.send(
        new sdk.PutLogEventsCommand({
          logGroupName: this.logGroupName,
          logStreamName: this.logStreamName,
          logEvents: batch,
        }),
      ),
    );
  }

  /** One CreateLogStream per process; the group is created too when it is missing. */
  private ensureStream(): Promise<void> {
    this.stream ??= (async () => {
      const createStream = () =>
        this.clients.logs((logs, sdk) =>
          logs.send(
            new sdk.CreateLogStreamCommand({
              logGroupName: this.logGroupName,
              logStreamName: this.logStreamName,
            }),
          ),
        );
      try {
        await createStream();
      } catch (error) {
        const name = errorName(error);
        if (name === 'ResourceAlreadyExistsException') return;
        if (name !== 'ResourceNotFoundException') throw error;
        await this.clients
          .logs((logs, sdk) => logs.send(new sdk.CreateLogGroupCommand({ logGroupName: this.logGroupName })))
          .catch((e: unknown) => {
            if (errorName(e) !== 'ResourceAlreadyExistsException') throw e;
          });
        await createStream();
      }
    })().catch((error: unknown) => {
      this.stream = undefined;
      throw error;
    });
    return this.stream;
  }
}
