import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { inputUntil } from '../src/index.js';

const bytes = (text: string) => new TextEncoder().encode(text);

async function collect(source: AsyncIterable<Uint8Array>): Promise<string> {
  let out = '';
  for await (const chunk of source) out += new TextDecoder().decode(chunk);
  return out;
}

describe('inputUntil', () => {
  it('passes every chunk of an input that ends on its own', async () => {
    const stream = new PassThrough();
    stream.end('one two');
    expect(await collect(inputUntil(stream, new Promise(() => {})))).toBe('one two');
  });

  it('stops while the input is idle once the reader went away', async () => {
    const stream = new PassThrough();
    let readerGone!: () => void;
    const stopped = new Promise<void>((resolve) => {
      readerGone = resolve;
    });
    const seen: string[] = [];
    const done = (async () => {
      for await (const chunk of inputUntil(stream, stopped)) seen.push(new TextDecoder().decode(chunk));
    })();
    stream.write('first');
    await new Promise((resolve) => setTimeout(resolve, 20));
    readerGone();
    await done;
    expect(seen).toEqual(['first']);
  });

  it('throws the abort reason while the input is idle', async () => {
    const controller = new AbortController();
    const idle = (async function* () {
      yield bytes('x');
      await new Promise(() => {});
    })();
    const reading = collect(inputUntil(idle, new Promise(() => {}), controller.signal));
    await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort(new Error('shutting down'));
    await expect(reading).rejects.toThrow('shutting down');
  });

  it('throws at once for a signal that is already aborted', async () => {
    const stream = new PassThrough();
    stream.end('never read');
    await expect(
      collect(inputUntil(stream, new Promise(() => {}), AbortSignal.abort(new Error('early')))),
    ).rejects.toThrow('early');
  });
});
