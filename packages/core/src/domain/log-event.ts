import { sha256Hex } from '../platform/node-crypto.js';

export type LogStream = 'stdout' | 'stderr';

/** One line of output. `timestamp` is Unix milliseconds; events are delivered in order. */
export interface LogEvent {
  timestamp: number;
  message: string;
  stream?: LogStream;
  /**
   * Stable identity of the event, used to de-duplicate when following or resuming. Adapters use the
   * provider's own id when it has one, otherwise `makeEventId`.
   */
  eventId: string;
  /**
   * The exact bytes of this piece of output, line end included, when they are not `message + "\n"`:
   * invalid UTF-8 (which `message` shows as U+FFFD), a carriage return before the newline (which
   * `message` drops), a last line without a newline, or a piece of a line too long to keep whole.
   * Adapters that capture raw bytes set it; printing `logEventBytes(event)` for every event reproduces
   * the output byte for byte.
   */
  raw?: Uint8Array;
}

/** What to print for an event so that the output comes out byte for byte: `raw`, else the line. */
export function logEventBytes(event: LogEvent): string | Uint8Array {
  return event.raw ?? `${event.message}\n`;
}

/**
 * A deterministic event id: 16 hex chars of sha256 over timestamp, a per-stream sequence number and the
 * message. The sequence keeps two identical lines printed in the same millisecond distinct.
 */
export function makeEventId(timestamp: number, sequence: number, message: string): string {
  return sha256Hex(`${timestamp}:${sequence}:${message}`).slice(0, 16);
}

/** Orders by timestamp and then by event id, the order every LogAggregator promises. */
export function compareLogEvents(a: LogEvent, b: LogEvent): number {
  return a.timestamp - b.timestamp || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0);
}
