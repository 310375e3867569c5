import type { LogEvent, LogStream } from '../api/types.js';
import { type AnsiStyle, hasEscapes, PLAIN, parseAnsiLine, stripAnsi } from './ansi.js';

/** One display row (an event whose message has newlines becomes several rows). */
export interface LogRow {
  text: string;
  stream: LogStream;
  timestamp: number;
  /** The SGR style in force at the start of the row, carried over from earlier rows of its stream. */
  startStyle: AnsiStyle;
}

export interface LogBufferOptions {
  /** Rows kept for display; past it the oldest tenth is dropped (the download still has all). @default 250_000 */
  maxRows?: number;
}

/**
 * The rows of one execution's log, in arrival order, with what the view needs and nothing more: the
 * raw text, the stream, the time and the style a row starts in (so a colour set on one line carries to
 * the next, as in a terminal). Duplicates (same event id, e.g. sent again after a resume) are dropped.
 * Parallel arrays keep 100,000 rows to a few megabytes; `maxRows` bounds memory for any log.
 */
export class LogBuffer {
  readonly maxRows: number;
  #text: string[] = [];
  #stream: LogStream[] = [];
  #time: number[] = [];
  #style: (AnsiStyle | undefined)[] = [];
  /** Event id of the first row of each event (undefined on continuation rows). */
  #ids: (string | undefined)[] = [];
  #seen = new Set<string>();
  #carry: Record<LogStream, AnsiStyle> = { stdout: PLAIN, stderr: PLAIN };
  #dropped = 0;
  #stderrRows = 0;
  /** Bumped on every change; views compare it to know when to redraw. */
  version = 0;

  constructor(options: LogBufferOptions = {}) {
    this.maxRows = options.maxRows ?? 250_000;
  }

  get length(): number {
    return this.#text.length;
  }

  /** Rows dropped from the front to keep within `maxRows`. */
  get dropped(): number {
    return this.#dropped;
  }

  get stderrRows(): number {
    return this.#stderrRows;
  }

  has(eventId: string): boolean {
    return this.#seen.has(eventId);
  }

  /** Appends events, skipping any already seen. Returns the number of rows added. */
  append(events: readonly LogEvent[]): number {
    let added = 0;
    for (const event of events) {
      if (this.#seen.has(event.eventId)) continue;
      this.#seen.add(event.eventId);
      const stream: LogStream = event.stream === 'stderr' ? 'stderr' : 'stdout';
      const parts = event.message.includes('\n')
        ? event.message.replace(/\r?\n$/, '').split(/\r?\n/)
        : [event.message];
      for (let p = 0; p < parts.length; p++) {
        const text = parts[p] ?? '';
        const start = this.#carry[stream];
        this.#text.push(text);
        this.#stream.push(stream);
        this.#time.push(event.timestamp);
        this.#style.push(start === PLAIN ? undefined : start);
        this.#ids.push(p === 0 ? event.eventId : undefined);
        if (stream === 'stderr') this.#stderrRows++;
        if (hasEscapes(text)) this.#carry[stream] = parseAnsiLine(text, start).endStyle;
        added++;
      }
    }
    if (this.#text.length > this.maxRows) this.#trim();
    if (added) this.version++;
    return added;
  }

  row(index: number): LogRow | undefined {
    const text = this.#text[index];
    if (text === undefined) return undefined;
    return {
      text,
      stream: this.#stream[index] ?? 'stdout',
      timestamp: this.#time[index] ?? 0,
      startStyle: this.#style[index] ?? PLAIN,
    };
  }

  /** Plain text of a row (escape sequences removed). */
  plain(index: number): string {
    return stripAnsi(this.#text[index] ?? '');
  }

  /** Indices of the rows whose plain text contains `query` (case-insensitive), in order. */
  search(query: string): number[] {
    if (!query) return [];
    const needle = query.toLowerCase();
    const hits: number[] = [];
    for (let i = 0; i < this.#text.length; i++) {
      const text = this.#text[i] as string;
      const plain = hasEscapes(text) ? stripAnsi(text) : text;
      if (plain.toLowerCase().includes(needle)) hits.push(i);
    }
    return hits;
  }

  /** Drops the oldest tenth: one splice per array instead of one per appended row. */
  #trim(): void {
    const count = this.#text.length - this.maxRows + Math.floor(this.maxRows / 10);
    for (let i = 0; i < count; i++) {
      const id = this.#ids[i];
      if (id !== undefined) this.#seen.delete(id);
      if (this.#stream[i] === 'stderr') this.#stderrRows--;
    }
    this.#text.splice(0, count);
    this.#stream.splice(0, count);
    this.#time.splice(0, count);
    this.#style.splice(0, count);
    this.#ids.splice(0, count);
    this.#dropped += count;
  }
}
