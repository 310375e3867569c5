import { createHash } from 'node:crypto';
import type { BackendLogEntry, BackendLogger } from '@taskport/core';
import { keys } from './cloud-run-jobs.js';
import { resolveClients } from './gcp-clients.js';
import type { GcpClients, GcpOptions } from './gcp-options.js';
import { toStruct } from './logging-filter.js';

const SEVERITY = { debug: 'DEBUG', info: 'INFO', warn: 'WARNING', error: 'ERROR' } as const;
const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;

export interface CloudLoggingBackendLoggerOptions {
  /** Lines are sent when this many are waiting. @default 200 */
  maxBatch?: number;
  /** ...or this long after the first of them was logged, in ms. @default 1000 */
  flushIntervalMs?: number;
  /** Lines below this level are dropped. @default info */
  minLevel?: BackendLogEntry['level'];
  /** Lines waiting beyond this are dropped (the oldest first) when Cloud Logging cannot keep up. @default 10000 */
  maxQueued?: number;
}

/** sha256 of a request id: the label BackendObservability filters on, so the raw id never enters a filter. */
export function requestIdHash(requestId: string): string {
  return createHash('sha256').update(requestId).digest('hex');
}

/**
 * taskport's structured lines, written to Cloud Logging with WriteLogEntries: batched, sent in the
 * background, flushed on `close()`. Each line is a jsonPayload with the same fields as the JSON lines the
 * Service prints (`time`, `level`, `request_id`, `msg`, then the fields), plus the label
 * `<prefix>-request-sha256` that CloudLoggingBackendObservability finds it by. `log()` never throws and never
 * waits: logging does not change the outcome of an operation.
 */
export class CloudLoggingBackendLogger implements BackendLogger {
  private readonly clients: GcpClients;
  private readonly closeClients: () => Promise<void>;
  private queue: BackendLogEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> = Promise.resolve();
  private readonly settings: Required<CloudLoggingBackendLoggerOptions>;
  /** Lines dropped because the queue was full or a write failed (nothing else reports it). */
  dropped = 0;

  constructor(
    private readonly options: GcpOptions,
    clients?: GcpClients,
    settings: CloudLoggingBackendLoggerOptions = {},
  ) {
    ({ clients: this.clients, close: this.closeClients } = resolveClients(options, clients));
    this.settings = {
      maxBatch: settings.maxBatch ?? 200,
      flushIntervalMs: settings.flushIntervalMs ?? 1000,
      minLevel: settings.minLevel ?? 'info',
      maxQueued: settings.maxQueued ?? 10_000,
    };
  }

  log(entry: BackendLogEntry): void {
    if (LEVELS[entry.level] < LEVELS[this.settings.minLevel]) return;
    this.queue.push({ ...entry, timestamp: entry.timestamp ?? Date.now() });
    if (this.queue.length > this.settings.maxQueued) {
      this.queue.shift();
      this.dropped++;
    }
    if (this.queue.length >= this.settings.maxBatch) {
      void this.flush();
    } else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.settings.flushIntervalMs);
      this.timer.unref();
    }
  }

  /** Sends every waiting line; resolves once they are written (or dropped after a failed write). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.queue;
    this.queue = [];
    if (batch.length > 0) this.sending = this.sending.then(() => this.write(batch));
    return this.sending;
  }

  async close(): Promise<void> {
    await this.flush();
    await this.closeClients();
  }

  private async write(batch: BackendLogEntry[]): Promise<void> {
    const k = keys(this.options.labelPrefix);
    const logName = `projects/${this.options.project}/logs/${encodeURIComponent(this.options.backendLogName)}`;
    const entries = batch.map((entry) => {
      const ms = entry.timestamp ?? Date.now();
      return {
        timestamp: { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 },
        severity: SEVERITY[entry.level],
        labels: { [k.requestHash]: requestIdHash(entry.requestId) },
        jsonPayload: toStruct({
          time: new Date(ms).toISOString(),
          level: entry.level,
          request_id: entry.requestId,
          msg: entry.message,
          ...entry.fields,
        }),
      };
    });
    try {
      await this.clients.logging.writeLogEntries(
        { logName, resource: { type: 'global', labels: { project_id: this.options.project } }, entries },
        { timeout: this.options.callTimeoutMs },
      );
    } catch {
      // The client retried what it may; a lost batch must not break the operations that logged it.
      this.dropped += batch.length;
    }
  }
}
