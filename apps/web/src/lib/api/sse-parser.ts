/** One dispatched Server-Sent Event. */
export interface SseMessage {
  /** `message` when the stream gave no `event:` field. */
  event: string;
  data: string;
  /** The `id:` of this event, when it had one. */
  id: string | undefined;
  /** A `retry:` hint in ms that came with it. */
  retry: number | undefined;
}

/**
 * An incremental parser of the `text/event-stream` format (WHATWG HTML, "server-sent events"): feed it
 * decoded text as it arrives, in chunks cut anywhere, and it returns the events completed so far.
 * It exists because `EventSource` cannot send an `Authorization` header, so the console reads the
 * stream with `fetch` and parses it itself.
 */
export class SseParser {
  #buffer = '';
  #pendingCR = false;
  #event = '';
  #data: string[] = [];
  #id: string | undefined;
  #hasData = false;
  #retry: number | undefined;

  feed(chunk: string): SseMessage[] {
    const out: SseMessage[] = [];
    let text = chunk;
    // A CR at the very end of the previous chunk may be the first half of CRLF.
    if (this.#pendingCR && text.startsWith('\n')) text = text.slice(1);
    this.#pendingCR = false;
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      const line = this.#buffer + text.slice(start, i);
      this.#buffer = '';
      if (c === 13) {
        if (i + 1 < text.length) {
          if (text.charCodeAt(i + 1) === 10) i++;
        } else {
          this.#pendingCR = true;
        }
      }
      start = i + 1;
      const message = this.#line(line);
      if (message) out.push(message);
    }
    this.#buffer += text.slice(start);
    return out;
  }

  #line(line: string): SseMessage | undefined {
    if (line === '') return this.#dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.#event = value;
        break;
      case 'data':
        this.#data.push(value);
        this.#hasData = true;
        break;
      case 'id':
        if (!value.includes('\0')) this.#id = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.#retry = Number(value);
        break;
    }
    return undefined;
  }

  #dispatch(): SseMessage | undefined {
    const message: SseMessage = {
      event: this.#event || 'message',
      data: this.#data.join('\n'),
      id: this.#id,
      retry: this.#retry,
    };
    const hasData = this.#hasData;
    this.#event = '';
    this.#data = [];
    this.#hasData = false;
    this.#retry = undefined;
    // The id persists as the stream's last event id; an event with no data is not dispatched.
    return hasData ? message : undefined;
  }
}
