import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  type BackendObservability,
  compareLogEvents,
  type LogEvent,
  makeEventId,
  NotFoundError,
  type OperationOptions,
  ValidationError,
} from '@taskport/core';
import { awsClients } from './aws-clients.js';
import { awsCall, PROVIDER } from './aws-errors.js';
import type { AwsClients, AwsOptions } from './aws-options.js';

/** Request ids made by core's `newRequestId`: `req-` + 10 base36 chars of Unix ms + 10 hex. */
const TIMED_REQUEST_ID = /^req-([0-9a-z]{10})[0-9a-f]{10}$/;
/** How long before the request id's time its lines may start (clock skew between writers). */
const SKEW_MS = 5 * 60 * 1000;
const EARLIEST_PLAUSIBLE = Date.UTC(2020, 0, 1);

/**
 * taskport's own JSON log lines (as `JsonLinesLogger` writes them to stderr, collected into CloudWatch Logs),
 * found by request id with FilterLogEvents in the configured groups.
 *
 * The request id never reaches the filter pattern raw: only its longest run of plain characters
 * (letters, digits, `_ . -`) is used, as a quoted phrase, to narrow the search on the service side; each
 * returned line is then parsed and kept only when its `request_id` equals the id exactly. The search is
 * bounded in time: from the time inside a taskport request id (minus clock skew), else the lookback window.
 */
export class CloudWatchBackendObservability implements BackendObservability {
  readonly provider = PROVIDER;
  private readonly clients: AwsClients;

  constructor(
    private readonly options: AwsOptions,
    clients?: AwsClients,
  ) {
    this.clients = clients ?? awsClients(options);
  }

  async fetchBackendLogs(requestId: string, options: OperationOptions = {}): Promise<LogEvent[]> {
    const operation = 'BackendObservability.fetchBackendLogs';
    if (typeof requestId !== 'string' || requestId === '') {
      throw new ValidationError('a request id is required', {
        provider: PROVIDER,
        operation,
        details: { field: 'requestId' },
      });
    }
    const { signal } = options;
    const now = Date.now();
    const startTime = Math.max(
      0,
      (timeOfRequestId(requestId, now) ?? now - this.options.backendLogLookbackMs + SKEW_MS) - SKEW_MS,
    );
    const endTime = now + 60_000;
    const filterPattern = filterPatternFor(requestId);
    const events: LogEvent[] = [];
    for (const logGroupName of this.options.backendLogGroups) {
      let nextToken: string | undefined;
      try {
        do {
          const page = await awsCall(
            operation,
            () =>
              this.clients.logs.send(
                new FilterLogEventsCommand({
                  logGroupName,
                  startTime,
                  endTime,
                  ...(filterPattern ? { filterPattern } : {}),
                  ...(nextToken ? { nextToken } : {}),
                }),
                { abortSignal: signal },
              ),
            {
              policy: this.options.retry,
              signal,
              notFound: ['ResourceNotFoundException'],
              what: `log group ${logGroupName}`,
            },
          );
          for (const raw of page.events ?? []) {
            const event = toEvent(raw.message ?? '', raw.timestamp ?? 0, raw.eventId, requestId);
            if (event) events.push(event);
          }
          nextToken = page.nextToken;
        } while (nextToken);
      } catch (error) {
        // A group that does not exist (yet) holds no lines.
        if (!NotFoundError.isInstance(error)) throw error;
      }
    }
    return events.sort(compareLogEvents);
  }
}

/** The time encoded in a taskport request id, when it has one and it is plausible. */
export function timeOfRequestId(requestId: string, now = Date.now()): number | undefined {
  const match = TIMED_REQUEST_ID.exec(requestId);
  if (!match) return undefined;
  const time = Number.parseInt(match[1]!, 36);
  return time >= EARLIEST_PLAUSIBLE && time <= now + 24 * 3600 * 1000 ? time : undefined;
}

/**
 * A service-side pre-filter that cannot be widened by the id's content: the longest run of letters, digits,
 * `_`, `.` and `-`, quoted. Undefined when there is no such run of 3+ characters (then only the exact
 * comparison in code filters).
 */
export function filterPatternFor(requestId: string): string | undefined {
  const runs = requestId.match(/[A-Za-z0-9_.-]+/g) ?? [];
  const longest = runs.reduce((a, b) => (b.length > a.length ? b : a), '');
  return longest.length >= 3 ? `"${longest}"` : undefined;
}

function toEvent(
  message: string,
  timestamp: number,
  eventId: string | undefined,
  requestId: string,
): LogEvent | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const record = parsed as Record<string, unknown>;
  if ((record.request_id ?? record.requestId) !== requestId) return undefined;
  const time = typeof record.time === 'string' ? Date.parse(record.time) : Number.NaN;
  const at = Number.isFinite(time) ? time : timestamp;
  return { timestamp: at, message: message.trimEnd(), eventId: eventId ?? makeEventId(at, 0, message) };
}
