import { once } from 'node:events';

/**
 * First poll interval when following (providers back off from it while nothing arrives). Short, so
 * that a short task's output and its end show up without a visible lag; measured in the benchmarks.
 */
export const FOLLOW_POLL_MS = 10;

/**
 * Writes many small pieces of text to stdout and stderr in large chunks, honouring back-pressure, so
 * a million log lines go out fast and in bounded memory. Order across the two streams is kept: a switch
 * of stream flushes what is pending on the other one first. Pending text is flushed at the latest when
 * the event loop is next idle, so followed logs still appear as they arrive.
 *
 * `write` returns a promise only when the caller has to wait (a chunk went out and the stream is
 * full); the common case allocates nothing but the text itself.
 */
export class LineWriter {
  private pending: (string | Uint8Array)[] = [];
  private pendingSize = 0;
  private hasBytes = false;
  private current: NodeJS.WritableStream | undefined;
  private scheduled = false;

  constructor(private readonly chunkSize = 64 * 1024) {}

  /** Queues text or exact bytes (a log event's `raw`) for `stream`. */
  write(stream: NodeJS.WritableStream, data: string | Uint8Array): Promise<void> | undefined {
    let wait: Promise<void> | undefined;
    if (this.current !== stream) wait = this.flush();
    this.current = stream;
    this.pending.push(data);
    this.pendingSize += data.length;
    if (typeof data !== 'string') this.hasBytes = true;
    if (this.pendingSize >= this.chunkSize) {
      const flushed = this.flush();
      return wait && flushed ? Promise.all([wait, flushed]).then(() => undefined) : (flushed ?? wait);
    }
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        void this.flush();
      });
    }
    return wait;
  }

  /** Writes out everything pending; returns a promise when the stream asks to wait for 'drain'. */
  flush(): Promise<void> | undefined {
    const stream = this.current;
    if (!stream || this.pendingSize === 0) return undefined;
    const pending = this.pending;
    // Text alone is joined as text (the common, fast case); with bytes among it, as one buffer.
    const chunk = this.hasBytes
      ? Buffer.concat(pending.map((piece) => (typeof piece === 'string' ? Buffer.from(piece) : piece)))
      : pending.length === 1
        ? (pending[0] as string)
        : (pending as string[]).join('');
    this.pending = [];
    this.pendingSize = 0;
    this.hasBytes = false;
    return stream.write(chunk) ? undefined : once(stream, 'drain').then(() => undefined);
  }
}
