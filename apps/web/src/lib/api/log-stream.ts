import type { ApiClient } from './api-client.js';
import { ApiError, apiErrorFrom } from './api-error.js';
import { SseParser } from './sse-parser.js';
import { type Execution, isFinalStatus, type LogEvent } from './types.js';

export type LogStreamState = 'connecting' | 'live' | 'reconnecting' | 'ended';

export interface LogStreamHandlers {
  /** Events in arrival order, one call per chunk read from the wire (the view batches its work per frame). */
  onEvents(events: LogEvent[]): void;
  onState?(state: LogStreamState): void;
  /** The `end` event's data: the execution as it finished. */
  onEnd?(execution: Execution): void;
  /** A failure the stream will not retry (401, 403, 404); a 401 has also gone to the client's handler. */
  onFatal?(error: ApiError): void;
}

export interface LogStreamOptions {
  signal: AbortSignal;
  /** Resume after this event (e.g. when the view was already showing lines). */
  lastEventId?: string;
  /** First and maximum reconnect delay, in ms. @default [500, 10_000] */
  backoff?: readonly [number, number];
}

/**
 * Follows an execution's log over Server-Sent Events (`GET /executions/{id}/logs`, `Accept:
 * text/event-stream`) until the execution has ended and every line is out.
 *
 * A dropped connection is resumed with `Last-Event-ID` set to the last event received, so the server
 * continues right after it; events the server sends again anyway are dropped by the log buffer's
 * event-id check, so the view shows no gap and no duplicate. Resolves when the log is complete or the
 * signal aborts.
 */
export async function followLogs(
  client: ApiClient,
  executionId: string,
  handlers: LogStreamHandlers,
  options: LogStreamOptions,
): Promise<void> {
  const { signal } = options;
  const [firstDelay, maxDelay] = options.backoff ?? [500, 10_000];
  let lastEventId = options.lastEventId;
  let delay = firstDelay;
  let attempt = 0;
  const path = `/executions/${encodeURIComponent(executionId)}/logs`;

  while (!signal.aborted) {
    handlers.onState?.(attempt === 0 ? 'connecting' : 'reconnecting');
    attempt++;
    let ended = false;
    try {
      const headers: Record<string, string> = { accept: 'text/event-stream', ...client.authHeaders() };
      if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
      const response = await client.fetch(client.url(path), { headers, signal, cache: 'no-store' });
      if (!response.ok) {
        const error = await apiErrorFrom(response);
        if (error.status === 401) client.reportUnauthorized(error);
        if ([400, 401, 403, 404].includes(error.status)) {
          handlers.onFatal?.(error);
          return;
        }
        throw error;
      }
      // 204 (a reconnect after `end`) has no body: treat it as a stream that closed at once.
      const body = response.status === 204 ? null : response.body;
      if (body) handlers.onState?.('live');
      const parser = new SseParser();
      const reader = body?.pipeThrough(new TextDecoderStream()).getReader();
      while (reader) {
        const { value, done } = await reader.read();
        if (done) break;
        const batch: LogEvent[] = [];
        for (const message of parser.feed(value)) {
          if (message.retry !== undefined) delay = Math.min(message.retry, maxDelay);
          if (message.event === 'end') {
            ended = true;
            const final = parseJson<Execution>(message.data);
            if (final?.executionId) handlers.onEnd?.(final);
            continue;
          }
          if (message.event !== 'log' && message.event !== 'message') continue;
          const event = parseLogEvent(message.data);
          if (!event) continue;
          batch.push(event);
          lastEventId = message.id ?? event.cursor ?? event.eventId;
        }
        if (batch.length) {
          handlers.onEvents(batch);
          delay = firstDelay;
        }
        if (ended) break;
      }
      if (ended) break;
      // The server closed the stream without saying `end`: done if the execution is final (the follow
      // stream closes once every line is out), otherwise the connection was cut and we resume.
      // (A reconnect after `end` is answered 204 with no body and lands here too.)
      const execution: Execution = await client.getExecution(executionId, signal);
      if (isFinalStatus(execution.status)) {
        handlers.onEnd?.(execution);
        ended = true;
        break;
      }
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof ApiError && [401, 403, 404].includes(error.status)) {
        handlers.onFatal?.(error);
        return;
      }
      // Network errors and 5xx/429: wait, then resume from the last event.
    }
    if (ended) break;
    handlers.onState?.('reconnecting');
    await sleep(delay, signal);
    delay = Math.min(delay * 2, maxDelay);
  }
  if (!signal.aborted) handlers.onState?.('ended');
}

function parseJson<T>(data: string): T | undefined {
  try {
    return JSON.parse(data) as T;
  } catch {
    return undefined;
  }
}

function parseLogEvent(data: string): LogEvent | undefined {
  try {
    const value = JSON.parse(data) as Partial<LogEvent>;
    if (typeof value.message !== 'string' || typeof value.eventId !== 'string') return undefined;
    return {
      message: value.message,
      eventId: value.eventId,
      timestamp: typeof value.timestamp === 'number' ? value.timestamp : Date.now(),
      ...(value.stream === 'stderr' || value.stream === 'stdout' ? { stream: value.stream } : {}),
      ...(typeof value.cursor === 'string' ? { cursor: value.cursor } : {}),
    };
  } catch {
    return undefined;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
