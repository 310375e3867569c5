import { createHash } from 'node:crypto';
import type { LogStream } from '@taskport/core';

/** One frame of the Engine API's multiplexed stream (non-TTY containers): header byte 1 = stdout, 2 = stderr. */
export interface LogFrame {
  stream: LogStream;
  payload: Buffer;
}

const HEADER = 8;

/**
 * Splits the Engine API's multiplexed log stream into frames. Each frame is an 8-byte header (stream type,
 * three zero bytes, a big-endian 32-bit length) and that many payload bytes; chunks from the socket cut
 * frames anywhere, so the splitter keeps the unfinished tail until the next chunk.
 */
export class LogFrameSplitter {
  private pending: Buffer = Buffer.alloc(0);

  /** Feeds one chunk; returns the frames it completed (stdin frames, type 0, are dropped). */
  push(chunk: Buffer): LogFrame[] {
    const data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: LogFrame[] = [];
    let offset = 0;
    while (data.length - offset >= HEADER) {
      const type = data[offset]!;
      const length = data.readUInt32BE(offset + 4);
      if (data.length - offset - HEADER < length) break;
      const payload = data.subarray(offset + HEADER, offset + HEADER + length);
      offset += HEADER + length;
      if (type === 1) frames.push({ stream: 'stdout', payload });
      else if (type === 2) frames.push({ stream: 'stderr', payload });
    }
    // Copy the tail so the (possibly large) chunk it came from can be collected.
    this.pending = offset === data.length ? Buffer.alloc(0) : Buffer.from(data.subarray(offset));
    return frames;
  }

  /** Bytes of an unfinished frame still held (non-zero at the end of a stream means it was cut). */
  get pendingBytes(): number {
    return this.pending.length;
  }
}

/** A complete output line as the engine recorded it. */
export interface EngineLogLine {
  stream: LogStream;
  /** The engine's own timestamp, as a fixed-width sortable key: 12 digits of seconds + 9 of nanoseconds. */
  key: string;
  /** Unix ms of the engine's timestamp (floor). */
  timestamp: number;
  /** The line's bytes without its final `\n`, decoded as UTF-8. */
  message: string;
}

const TIMESTAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/;

/** Parses an RFC 3339 timestamp with up to nanosecond precision into the sortable key and Unix ms. */
export function parseEngineTimestamp(text: string): { key: string; timestamp: number } | undefined {
  const match = TIMESTAMP.exec(text);
  if (!match) return undefined;
  const seconds = Date.parse(`${match[1]}${match[3]}`) / 1000;
  if (!Number.isFinite(seconds)) return undefined;
  const fraction = (match[2] ?? '').padEnd(9, '0');
  return {
    key: `${String(seconds).padStart(12, '0')}${fraction}`,
    timestamp: seconds * 1000 + Math.floor(Number(fraction) / 1_000_000),
  };
}

/** The engine's `since` parameter (`<seconds>.<nanoseconds>`) for a sortable key. */
export function sinceParameter(key: string): string {
  return `${Number(key.slice(0, 12))}.${key.slice(12)}`;
}

/** The sortable key of a Unix ms time. */
export function keyOfMs(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  return `${String(seconds).padStart(12, '0')}${String((ms - seconds * 1000) * 1_000_000).padStart(9, '0')}`;
}

/**
 * Turns frames of a `timestamps=1` log stream into lines. Every frame starts with the engine's timestamp
 * and a space. The engine cuts lines longer than 16 KiB into several frames (each with the line's
 * timestamp); a frame that does not end in `\n` is such a part, or the last output of a command that did
 * not end its last line. Parts are joined per stream, so messages come out byte for byte as printed.
 */
export class LogLineAssembler {
  private readonly partial: Record<
    LogStream,
    { key: string; timestamp: number; parts: Buffer[] } | undefined
  > = { stdout: undefined, stderr: undefined };

  /** Feeds one frame; returns the lines it completed. */
  push(frame: LogFrame): EngineLogLine[] {
    const space = frame.payload.indexOf(0x20);
    const stamp =
      space > 0 ? parseEngineTimestamp(frame.payload.subarray(0, space).toString('latin1')) : undefined;
    if (!stamp) {
      throw new Error(
        'the engine sent a log frame without a timestamp (was the stream read with timestamps=1?)',
      );
    }
    const content = frame.payload.subarray(space + 1);
    const open = this.partial[frame.stream];
    const ends = content.length > 0 && content[content.length - 1] === 0x0a;
    if (!ends) {
      if (open) open.parts.push(content);
      else this.partial[frame.stream] = { ...stamp, parts: [content] };
      return [];
    }
    const body = content.subarray(0, content.length - 1);
    if (open) {
      this.partial[frame.stream] = undefined;
      return [line(frame.stream, open, Buffer.concat([...open.parts, body]))];
    }
    return [line(frame.stream, stamp, body)];
  }

  /** At the end of the stream: the unfinished last lines (output that did not end with a newline). */
  flush(): EngineLogLine[] {
    const lines: EngineLogLine[] = [];
    for (const stream of ['stdout', 'stderr'] as const) {
      const open = this.partial[stream];
      if (open) lines.push(line(stream, open, Buffer.concat(open.parts)));
      this.partial[stream] = undefined;
    }
    return lines.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
}

function line(stream: LogStream, stamp: { key: string; timestamp: number }, body: Buffer): EngineLogLine {
  return { stream, key: stamp.key, timestamp: stamp.timestamp, message: body.toString('utf8') };
}

/**
 * A stable event id: the same line gets the same id whichever read it came from (a full read, a `since`
 * resume, a reconnect), because it hashes only what the engine recorded: the timestamp key, the stream, the
 * line and its rank among lines of that stream with that same timestamp.
 */
export function lineEventId(line: EngineLogLine, rank: number): string {
  return createHash('sha256')
    .update(`${line.key}:${line.stream}:${rank}:${line.message}`)
    .digest('hex')
    .slice(0, 16);
}
