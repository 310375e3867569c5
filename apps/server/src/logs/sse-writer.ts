import type { ServerResponse } from 'node:http';

/**
 * Writes Server-Sent Events to a response, waiting for `drain` when the socket's buffer is full, so a
 * slow client holds back its own stream (and only that) instead of growing the server's memory.
 */
export class SseWriter {
  private closed = false;

  constructor(private readonly res: ServerResponse) {
    res.once('close', () => {
      this.closed = true;
    });
  }

  get isClosed(): boolean {
    return this.closed || this.res.destroyed;
  }

  async event(fields: { id?: string; event?: string; data: string }): Promise<void> {
    let text = '';
    if (fields.id !== undefined) text += `id: ${fields.id}\n`;
    if (fields.event !== undefined) text += `event: ${fields.event}\n`;
    for (const line of fields.data.split('\n')) text += `data: ${line}\n`;
    await this.write(`${text}\n`);
  }

  async comment(text: string): Promise<void> {
    await this.write(`: ${text}\n\n`);
  }

  async write(text: string): Promise<void> {
    if (this.isClosed) return;
    if (this.res.write(text)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.res.off('drain', done);
        this.res.off('close', done);
        resolve();
      };
      this.res.on('drain', done);
      this.res.on('close', done);
    });
  }

  end(): void {
    if (!this.res.writableEnded) this.res.end();
  }
}
