import type { LogEvent } from './log-event.js';

/**
 * The public JSON shape of one piece of output: the HTTP API's `LogEvent` (which adds its resume
 * `cursor`) and each line of the CLI's `logs --json` (documented in apps/cli/README.md). JSON carries
 * text, so output that is not valid UTF-8 or does not end in "\n" also travels as base64 of its exact
 * bytes; a client that prints `bytes` where present (else `message` + "\n") reproduces the output.
 */
export interface LogEventJson {
  timestamp: number;
  stream: 'stdout' | 'stderr';
  /** The line as text (invalid UTF-8 shown as U+FFFD, no line end). */
  message: string;
  eventId: string;
  /** Only when `message` + "\n" is not the exact output: those bytes, line end included, in base64. */
  bytes?: string;
  encoding?: 'base64';
}

export function logEventJson(e: LogEvent): LogEventJson {
  const json: LogEventJson = {
    timestamp: e.timestamp,
    stream: e.stream ?? 'stdout',
    message: e.message,
    eventId: e.eventId,
  };
  if (e.raw) {
    json.bytes = Buffer.from(e.raw.buffer, e.raw.byteOffset, e.raw.byteLength).toString('base64');
    json.encoding = 'base64';
  }
  return json;
}

/** The event a `LogEventJson` was made from, its exact bytes included. */
export function logEventFromJson(j: LogEventJson): LogEvent {
  const event: LogEvent = {
    timestamp: j.timestamp,
    message: j.message,
    stream: j.stream,
    eventId: j.eventId,
  };
  if (j.bytes !== undefined && j.encoding === 'base64')
    event.raw = new Uint8Array(Buffer.from(j.bytes, 'base64'));
  return event;
}
