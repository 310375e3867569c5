import { once } from 'node:events';

/**
 * Writes many small pieces of text to stdout and stderr in large chunks, honouring back-pressure, so
 * a million log lines go out fast and in bounded memory. Order across the two streams is kept: a switch
 * of stream flushes what is pending on the other one first. Pending text is flushed at the latest when
 * the event loop is next idle, so followed logs still appear as they arrive.
 */
export class LineWriter {
  private pending: string[] = [];
  private pendingSize = 0;
  private current: NodeJS.WritableStream | undefined;
  private scheduled = false;

  constructor(private readonly highWaterMark = 64 * 1024) {}

  async write(stream: NodeJS.WritableStream, text: string): Promise<void> {
    if (this.current !== stream && this.pendingSize > 0) await this.flush();
    this.current = stream;
    this.pending.push(text);
    this.pendingSize += text.length;
    if (this.pendingSize >= this.highWaterMark) {
      await this.flush();
    } else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        void this.flush();
      });
    }
  }

  /** Writes out everything pending and waits until the stream has taken it. */
  async flush(): Promise<void> {
    const stream = this.current;
    if (!stream || this.pendingSize === 0) return;
    const chunk = this.pending.join('');
    this.pending = [];
    this.pendingSize = 0;
    if (!stream.write(chunk)) await once(stream, 'drain');
  }
}
