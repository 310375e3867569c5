import type { LogEvent } from '@taskport/core';
import { ValidationError } from '@taskport/core';

/**
 * A resume point in an execution's log: `<timestamp>.<eventId>` of the last event seen. It is what SSE
 * sends as each event's `id` (so `Last-Event-ID` is a cursor) and what `?after=` takes. Resuming asks
 * the LogAggregator for events since that timestamp and drops everything up to and including that
 * event, so a reconnecting client sees no gap and no line twice - with no server-side session to lose.
 */
export interface LogCursor {
  timestamp: number;
  eventId: string;
}

const CURSOR = /^(\d{1,16})\.([A-Za-z0-9_:/+=-]{1,128})$/;

export function encodeLogCursor(event: Pick<LogEvent, 'timestamp' | 'eventId'>): string {
  return `${event.timestamp}.${event.eventId}`;
}

/** @throws ValidationError when the text is not a cursor this server made */
export function decodeLogCursor(text: string, field = 'after'): LogCursor {
  const match = CURSOR.exec(text);
  if (!match) {
    throw new ValidationError(
      `${field} is not a log cursor; pass the cursor (or SSE id) of the last event seen`,
      {
        details: { field },
      },
    );
  }
  return { timestamp: Number(match[1]), eventId: match[2] as string };
}

/**
 * Skips the events a client has already seen. Events of the cursor's millisecond that come before the
 * cursor's own event are held back until it shows up (then dropped); should it never show up (the
 * provider lost it), they are released, so at worst a line repeats - none is ever skipped.
 */
export async function* resumeAfter(
  events: AsyncIterable<LogEvent>,
  cursor: LogCursor | undefined,
): AsyncGenerator<LogEvent> {
  if (!cursor) {
    yield* events;
    return;
  }
  let held: LogEvent[] = [];
  let passed = false;
  for await (const event of events) {
    if (passed) {
      yield event;
      continue;
    }
    if (event.timestamp < cursor.timestamp) continue;
    if (event.timestamp === cursor.timestamp) {
      if (event.eventId === cursor.eventId) {
        held = [];
        passed = true;
      } else {
        held.push(event);
      }
      continue;
    }
    passed = true;
    yield* held;
    held = [];
    yield event;
  }
  yield* held;
}
