import { isUtf8 } from 'node:buffer';
import type { StatementSync } from 'node:sqlite';
import type { LocalDatabase } from './local-database.js';

export const STDOUT = 1;
export const STDERR = 2;
export type StreamCode = typeof STDOUT | typeof STDERR;

export interface LogLineWriterOptions {
  /** Lines per transaction at most. @default 5000 */
  maxBatchLines?: number;
  /** Bytes of text per transaction at most. @default 4 MiB */
  maxBatchBytes?: number;
  /** Pending lines are written at least this often, so followers see them promptly. @default 100 */
  flushIntervalMs?: number;
  /** Longer lines are cut into pieces of this many bytes (a runaway line must not exhaust memory). @default 256 KiB */
  maxLineBytes?: number;
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/**
 * Turns the raw output of a task into timestamped lines in `task_logs`. Lines are numbered across both
 * streams in arrival order; their timestamps never decrease (a clock step backwards would otherwise
 * reorder them). Writes happen in batched transactions - one transaction per line would cap ingestion
 * at a few thousand lines a second - and because writing is synchronous, a busy writer stops reading the
 * pipes, so the task is slowed by pipe back-pressure instead of memory growing.
 */
export class LogLineWriter {
  private readonly insert: StatementSync;
  private readonly maxBatchLines: number;
  private readonly maxBatchBytes: number;
  private readonly maxLineBytes: number;
  private readonly partial = new Map<StreamCode, Buffer>();
  private batch: { seq: number; ts: number; stream: StreamCode; message: string; raw: Buffer | null }[] = [];
  private batchBytes = 0;
  private nextSeq = 0;
  private lastTs = 0;
  private readonly timer: NodeJS.Timeout;
  /** Lines written so far. */
  lines = 0;

  constructor(
    private readonly database: LocalDatabase,
    private readonly executionId: string,
    options: LogLineWriterOptions = {},
  ) {
    this.maxBatchLines = options.maxBatchLines ?? 5000;
    this.maxBatchBytes = options.maxBatchBytes ?? 4 * 1024 * 1024;
    this.maxLineBytes = options.maxLineBytes ?? 256 * 1024;
    this.insert = database.db.prepare(
      'INSERT INTO task_logs (execution_id, seq, ts, stream, message, raw) VALUES (?, ?, ?, ?, ?, ?)',
    );
    // Resume numbering after any lines already there (e.g. a message the supervisor wrote itself).
    const last = database.db
      .prepare('SELECT MAX(seq) AS seq, MAX(ts) AS ts FROM task_logs WHERE execution_id = ?')
      .get(executionId) as { seq: number | null; ts: number | null };
    this.nextSeq = last.seq === null ? 0 : last.seq + 1;
    this.lastTs = last.ts ?? 0;
    this.timer = setInterval(() => {
      try {
        this.flush();
      } catch {
        // The database stayed locked past the busy timeout: the lines stay queued for the next attempt.
      }
    }, options.flushIntervalMs ?? 100);
    this.timer.unref();
  }

  /** Takes a chunk of raw output; complete lines are queued, the rest waits for more. */
  write(stream: StreamCode, chunk: Buffer): void {
    const ts = this.now();
    let start = 0;
    const pending = this.partial.get(stream);
    if (pending) {
      const newline = chunk.indexOf(NEWLINE);
      if (newline === -1) {
        const joined = Buffer.concat([pending, chunk]);
        if (joined.length >= this.maxLineBytes) {
          this.partial.delete(stream);
          this.pushLine(stream, joined, 0, joined.length, ts, false);
        } else {
          this.partial.set(stream, joined);
        }
        return;
      }
      const joined = Buffer.concat([pending, chunk.subarray(0, newline)]);
      this.partial.delete(stream);
      this.pushLine(stream, joined, 0, joined.length, ts, true);
      start = newline + 1;
    }
    let newline = chunk.indexOf(NEWLINE, start);
    while (newline !== -1) {
      this.pushLine(stream, chunk, start, newline, ts, true);
      start = newline + 1;
      newline = chunk.indexOf(NEWLINE, start);
    }
    if (start < chunk.length) {
      if (chunk.length - start >= this.maxLineBytes) {
        this.pushLine(stream, chunk, start, chunk.length, ts, false);
      } else {
        // Copy: keeping a view would pin the whole chunk in memory.
        this.partial.set(stream, Buffer.from(chunk.subarray(start)));
      }
    }
  }

  /** The stream ended: its unterminated last line (if any) becomes a line. */
  endStream(stream: StreamCode): void {
    const pending = this.partial.get(stream);
    if (!pending) return;
    this.partial.delete(stream);
    this.pushLine(stream, pending, 0, pending.length, this.now(), false);
  }

  /** Adds a line the supervisor itself has to say (e.g. why the command could not start). */
  note(stream: StreamCode, message: string): void {
    this.queue(stream, message, this.now(), null);
  }

  /** Writes every queued line in one transaction. */
  flush(): void {
    if (this.batch.length === 0) return;
    const batch = this.batch;
    this.database.immediate(() => {
      for (const line of batch)
        this.insert.run(this.executionId, line.seq, line.ts, line.stream, line.message, line.raw);
    });
    // Cleared only after the commit: if the write fails, nothing is lost and the next flush retries.
    this.batch = [];
    this.batchBytes = 0;
    this.lines += batch.length;
  }

  /** Ends both streams, writes everything and stops the timer. */
  close(): void {
    clearInterval(this.timer);
    this.endStream(STDOUT);
    this.endStream(STDERR);
    this.flush();
  }

  private now(): number {
    this.lastTs = Math.max(Date.now(), this.lastTs);
    return this.lastTs;
  }

  /**
   * Queues `buffer[start, end)`; `terminated` says a newline followed it. The text drops a CR before the
   * newline; the exact bytes are kept beside it whenever the text plus a newline is not them, so output
   * can be reproduced byte for byte.
   */
  private pushLine(
    stream: StreamCode,
    buffer: Buffer,
    start: number,
    end: number,
    ts: number,
    terminated: boolean,
  ): void {
    let stop = end;
    if (terminated && stop > start && buffer[stop - 1] === CARRIAGE_RETURN) stop--;
    if (stop - start <= this.maxLineBytes) {
      const exact = terminated && stop === end && isUtf8(buffer.subarray(start, end));
      const message = buffer.toString('utf8', start, stop);
      this.queue(stream, message, ts, exact ? null : bytesOf(buffer, start, end, terminated));
      return;
    }
    // A runaway line is cut into pieces; each piece keeps its own bytes, and only the last one its line end.
    for (let piece = start; piece < end; piece += this.maxLineBytes) {
      const pieceEnd = Math.min(piece + this.maxLineBytes, end);
      const last = pieceEnd === end;
      this.queue(
        stream,
        buffer.toString('utf8', piece, last ? Math.max(piece, stop) : pieceEnd),
        ts,
        bytesOf(buffer, piece, pieceEnd, last && terminated),
      );
    }
  }

  private queue(stream: StreamCode, message: string, ts: number, raw: Buffer | null): void {
    this.batch.push({ seq: this.nextSeq++, ts, stream, message, raw });
    this.batchBytes += message.length + (raw?.length ?? 0);
    if (this.batch.length < this.maxBatchLines && this.batchBytes < this.maxBatchBytes) return;
    try {
      this.flush();
    } catch (error) {
      // A transient lock is retried with the next lines; only a queue far past its bound gives up,
      // rather than let memory grow without limit.
      if (this.batch.length >= 4 * this.maxBatchLines || this.batchBytes >= 4 * this.maxBatchBytes)
        throw error;
    }
  }
}

/**
 * A copy of `buffer[start, end)`, plus the newline when the line had one (a copy: a view would pin the
 * whole chunk in memory while the line waits in a batch).
 */
function bytesOf(buffer: Buffer, start: number, end: number, newline: boolean): Buffer {
  const out = Buffer.allocUnsafe(end - start + (newline ? 1 : 0));
  buffer.copy(out, 0, start, end);
  if (newline) out[end - start] = NEWLINE;
  return out;
}
