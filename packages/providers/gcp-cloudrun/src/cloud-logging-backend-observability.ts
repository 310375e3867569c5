import type { protos as loggingProtos } from '@google-cloud/logging-api';
import {
  type BackendObservability,
  type LogEvent,
  type OperationOptions,
  ValidationError,
} from '@taskport/core';
import { requestIdHash } from './cloud-logging-backend-logger.js';
import { keys } from './cloud-run-jobs.js';
import { resolveClients } from './gcp-clients.js';
import { translateGcpError, withSignal } from './gcp-errors.js';
import { type GcpClients, type GcpOptions, PROVIDER } from './gcp-options.js';
import { and, fromStruct, quote, rfc3339, timestampNs } from './logging-filter.js';

type ILogEntry = loggingProtos.google.logging.v2.ILogEntry;

/**
 * taskport's own lines for one request, from Cloud Logging: the lines CloudLoggingBackendLogger wrote.
 *
 * The filter never holds the request id: it matches the label `<prefix>-request-sha256` (the id's sha256,
 * 64 hex characters) in the backend log, within `backendLogLookbackHours`. Each returned line is then kept
 * only if its `request_id` equals the id exactly, so quotes, operators and wildcards mean nothing special.
 */
export class CloudLoggingBackendObservability implements BackendObservability {
  readonly provider = PROVIDER;
  private readonly clients: GcpClients;
  private readonly closeClients: () => Promise<void>;

  constructor(
    private readonly options: GcpOptions,
    clients?: GcpClients,
  ) {
    ({ clients: this.clients, close: this.closeClients } = resolveClients(options, clients));
  }

  async fetchBackendLogs(requestId: string, options: OperationOptions = {}): Promise<LogEvent[]> {
    const operation = 'BackendObservability.fetchBackendLogs';
    const { signal } = options;
    if (typeof requestId !== 'string' || requestId === '') {
      throw new ValidationError('a request id is required', {
        provider: PROVIDER,
        operation,
        details: { field: 'requestId' },
      });
    }
    signal?.throwIfAborted();
    const now = Date.now();
    const project = this.options.project;
    const filter = and(
      `logName=${quote(`projects/${project}/logs/${encodeURIComponent(this.options.backendLogName)}`)}`,
      `labels.${quote(keys(this.options.labelPrefix).requestHash)}=${quote(requestIdHash(requestId))}`,
      `timestamp>=${quote(rfc3339(BigInt(now - this.options.backendLogLookbackHours * 3_600_000) * 1_000_000n))}`,
      `timestamp<=${quote(rfc3339(BigInt(now + 60_000) * 1_000_000n))}`,
    );
    const events: LogEvent[] = [];
    let pageToken: string | undefined;
    do {
      let page: ILogEntry[];
      let response: { nextPageToken?: string | null } | undefined;
      try {
        [page, , response] = await withSignal(
          () =>
            this.clients.logging.listLogEntries(
              {
                resourceNames: [`projects/${project}`],
                filter,
                orderBy: 'timestamp asc',
                pageSize: this.options.logPageSize,
                ...(pageToken ? { pageToken } : {}),
              },
              { autoPaginate: false, timeout: this.options.callTimeoutMs },
            ),
          signal,
        );
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        throw translateGcpError(error, operation, 'reading Cloud Logging');
      }
      for (const entry of page) {
        const payload = fromStruct(entry.jsonPayload as Parameters<typeof fromStruct>[0]);
        // Exact match: a hash collision, or a line written by something else with the label, stays out.
        if (payload.request_id !== requestId) continue;
        events.push({
          timestamp: Number(timestampNs(entry.timestamp) / 1_000_000n),
          message: JSON.stringify(payload),
          eventId: entry.insertId ?? `${timestampNs(entry.timestamp)}`,
        });
      }
      pageToken = response?.nextPageToken || undefined;
    } while (pageToken);
    return events;
  }

  async close(): Promise<void> {
    await this.closeClients();
  }
}
