import type { protos as loggingProtos } from '@google-cloud/logging-api';
import type { protos } from '@google-cloud/run';
import {
  type LogAggregator,
  type LogEvent,
  type LogStream,
  makeEventId,
  type OperationOptions,
  type StreamLogsOptions,
} from '@taskport/core';
import { sleep, withRetry } from '@taskport/provider-utils';
import { resolveClients } from './gcp-clients.js';
import { Code, classifyGcpError, grpcCode, translateGcpError, withSignal } from './gcp-errors.js';
import { type GcpClients, type GcpOptions, PROVIDER } from './gcp-options.js';
import { and, fromStruct, quote, rfc3339, timestampNs } from './logging-filter.js';

type ILogEntry = loggingProtos.google.logging.v2.ILogEntry;
type IExecution = protos.google.cloud.run.v2.IExecution;

const EXECUTION_NAME =
  /^projects\/([^/]+)\/locations\/([a-z0-9-]+)\/jobs\/([a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)\/executions\/([a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?)$/;
/** Entries are kept 30 days in the _Default bucket: the lower bound when the execution's start is unknown. */
const RETENTION_MS = 30 * 86_400_000;
/** Room above "now" in the upper time bound, for clocks of log writers that run ahead. */
const SKEW_MS = 60_000;
const MAX_POLL_MS = 5000;

interface Window {
  fromNs: bigint;
  toNs: bigint;
}

/**
 * The output of Cloud Run job executions, read from Cloud Logging (LoggingServiceV2, ListLogEntries).
 *
 * Filter: `resource.type="cloud_run_job"`, the job name, the execution-name label, the stdout and stderr
 * logs only (the job's system log stays out), and explicit time bounds (the execution's create and
 * completion times when GetExecution knows it); ascending, paged. Following polls with backoff, re-reading
 * an overlap of `logIngestionDelayMs` behind the newest entry seen (entries arrive late), de-duplicated by
 * insertId, and ends when the execution has ended and the late entries have had time to arrive.
 */
export class CloudLoggingLogAggregator implements LogAggregator {
  readonly provider = PROVIDER;
  private readonly clients: GcpClients;
  private readonly closeClients: () => Promise<void>;

  constructor(
    private readonly options: GcpOptions,
    clients?: GcpClients,
  ) {
    ({ clients: this.clients, close: this.closeClients } = resolveClients(options, clients));
  }

  async fetchLogsByExecutionId(executionId: string, options: OperationOptions = {}): Promise<LogEvent[]> {
    const events: LogEvent[] = [];
    for await (const event of this.streamLogs(executionId, options)) events.push(event);
    return events;
  }

  async *streamLogs(executionId: string, options: StreamLogsOptions = {}): AsyncIterable<LogEvent> {
    const operation = options.follow ? 'LogAggregator.streamLogs' : 'LogAggregator.fetchLogsByExecutionId';
    const { signal } = options;
    signal?.throwIfAborted();
    const match = EXECUTION_NAME.exec(typeof executionId === 'string' ? executionId.trim() : '');
    // Not an execution name: no execution ever had it, so it has no output.
    if (!match) return;
    const [name, project, , job, execution] = match as unknown as [string, string, string, string, string];
    const known = await this.execution(name, operation, signal);
    if (known === null) return; // never started (or gone): no output, not an error
    const sinceNs = options.since !== undefined ? BigInt(Math.floor(options.since)) * 1_000_000n : undefined;
    const createdNs = known ? timestampNs(known.createTime) : 0n;
    const fromNs =
      sinceNs ??
      (createdNs > 0n ? createdNs - 60_000_000_000n : BigInt(Date.now() - RETENTION_MS) * 1_000_000n);
    const base = and(
      'resource.type="cloud_run_job"',
      `resource.labels.job_name=${quote(job)}`,
      `labels."run.googleapis.com/execution_name"=${quote(execution)}`,
      `(logName=${quote(`projects/${project}/logs/run.googleapis.com%2Fstdout`)} OR logName=${quote(`projects/${project}/logs/run.googleapis.com%2Fstderr`)})`,
    );
    const upperNs = () => {
      const end = known?.completionTime ? timestampNs(known.completionTime) : 0n;
      return end > 0n ? end + BigInt(SKEW_MS) * 1_000_000n : BigInt(Date.now() + SKEW_MS) * 1_000_000n;
    };
    if (!options.follow) {
      for await (const entry of this.entries(project, base, { fromNs, toNs: upperNs() }, operation, signal)) {
        yield toEvent(entry);
      }
      return;
    }

    const lagNs = BigInt(this.options.logIngestionDelayMs) * 1_000_000n;
    const initialDelay = Math.max(50, options.pollIntervalMs ?? 1000);
    // insertId -> timestamp of entries in the overlap window; older ones are dropped (bounded memory).
    const seen = new Map<string, bigint>();
    let newestNs = fromNs;
    let delay = initialDelay;
    let doneAt: number | undefined;
    for (;;) {
      const floor = newestNs - lagNs > fromNs ? newestNs - lagNs : fromNs;
      let fresh = 0;
      for await (const entry of this.entries(
        project,
        base,
        { fromNs: floor, toNs: BigInt(Date.now() + SKEW_MS) * 1_000_000n },
        operation,
        signal,
      )) {
        const ns = timestampNs(entry.timestamp);
        const key = `${entry.insertId ?? ''}@${ns}`;
        if (seen.has(key)) continue;
        seen.set(key, ns);
        if (ns > newestNs) newestNs = ns;
        fresh++;
        yield toEvent(entry);
      }
      const keepFrom = newestNs - lagNs;
      for (const [key, ns] of seen) if (ns < keepFrom) seen.delete(key);
      if (doneAt === undefined && (await this.isDone(name, options, operation, signal))) doneAt = Date.now();
      // Ended, and the entries it wrote last have had the ingestion delay to arrive: the stream is complete.
      if (doneAt !== undefined && fresh === 0 && Date.now() - doneAt >= this.options.logIngestionDelayMs)
        return;
      delay = fresh > 0 ? initialDelay : Math.min(MAX_POLL_MS, delay * 2);
      await sleep(
        doneAt !== undefined ? Math.min(delay, Math.max(50, this.options.logIngestionDelayMs / 4)) : delay,
        signal,
      );
    }
  }

  async close(): Promise<void> {
    await this.closeClients();
  }

  /** The execution, `null` when it does not exist, `undefined` when it cannot be read (no permission). */
  private async execution(name: string, operation: string, signal: AbortSignal | undefined) {
    try {
      const [execution] = await withRetry(
        () =>
          withSignal(
            () => this.clients.executions.getExecution({ name }, { timeout: this.options.callTimeoutMs }),
            signal,
          ),
        { classify: classifyGcpError, policy: this.options.retry, signal },
      );
      return execution as IExecution;
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      const code = grpcCode(error);
      if (code === Code.NOT_FOUND) return null;
      // Reading logs needs only roles/logging.viewer: without run.executions.get, read without the bounds it gives.
      if (code === Code.PERMISSION_DENIED) return undefined;
      throw translateGcpError(error, operation, `execution ${name}`);
    }
  }

  private async isDone(
    name: string,
    options: StreamLogsOptions,
    operation: string,
    signal: AbortSignal | undefined,
  ) {
    if (options.isTaskDone) return options.isTaskDone();
    const execution = await this.execution(name, operation, signal);
    return execution === null || Boolean(execution?.completionTime);
  }

  /** Every entry of the filter in the window, ascending, page by page. */
  private async *entries(
    project: string,
    base: string,
    window: Window,
    operation: string,
    signal: AbortSignal | undefined,
  ): AsyncIterable<ILogEntry> {
    const filter = and(
      base,
      `timestamp>=${quote(rfc3339(window.fromNs))}`,
      `timestamp<=${quote(rfc3339(window.toNs))}`,
    );
    let pageToken: string | undefined;
    do {
      const request = {
        resourceNames: [`projects/${project}`],
        filter,
        orderBy: 'timestamp asc',
        pageSize: this.options.logPageSize,
        ...(pageToken ? { pageToken } : {}),
      };
      let page: ILogEntry[];
      let response: { nextPageToken?: string | null } | undefined;
      try {
        [page, , response] = await withSignal(
          () =>
            this.clients.logging.listLogEntries(request, {
              autoPaginate: false,
              timeout: this.options.callTimeoutMs,
            }),
          signal,
        );
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        throw translateGcpError(error, operation, 'reading Cloud Logging');
      }
      yield* page;
      // An empty page with a token means "keep going", not the end.
      pageToken = response?.nextPageToken || undefined;
    } while (pageToken);
  }
}

/** A job log entry as a LogEvent: stdout/stderr from the log name, the text as the task printed it. */
export function toEvent(entry: ILogEntry): LogEvent {
  const ns = timestampNs(entry.timestamp);
  const timestamp = Number(ns / 1_000_000n);
  const logName = entry.logName ?? '';
  const stream: LogStream | undefined = /(%2F|\/)stderr$/.test(logName)
    ? 'stderr'
    : /(%2F|\/)stdout$/.test(logName)
      ? 'stdout'
      : undefined;
  const message =
    entry.textPayload ??
    (entry.jsonPayload
      ? JSON.stringify(fromStruct(entry.jsonPayload as Parameters<typeof fromStruct>[0]))
      : '');
  return {
    timestamp,
    message: message.replace(/\r?\n$/, ''),
    ...(stream ? { stream } : {}),
    eventId: entry.insertId ? `${entry.insertId}` : makeEventId(timestamp, 0, message),
  };
}
