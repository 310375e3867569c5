import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { LineWriter } from '../src/output/line-writer.js';

/** A writable that records chunks and reports itself full until drained by hand. */
class FakeStream extends EventEmitter {
  chunks: string[] = [];
  full = false;
  write(chunk: string): boolean {
    this.chunks.push(chunk);
    return !this.full;
  }
}

function asStream(fake: FakeStream): NodeJS.WritableStream {
  return fake as unknown as NodeJS.WritableStream;
}

describe('LineWriter', () => {
  it('batches small writes into one chunk per flush', async () => {
    const out = new FakeStream();
    const writer = new LineWriter(1024);
    for (let i = 0; i < 10; i++) writer.write(asStream(out), `line ${i}\n`);
    expect(out.chunks).toEqual([]);
    await writer.flush();
    expect(out.chunks).toEqual([Array.from({ length: 10 }, (_, i) => `line ${i}\n`).join('')]);
  });

  it('keeps the order across two streams: switching stream flushes the other first', async () => {
    const out = new FakeStream();
    const err = new FakeStream();
    const order: string[] = [];
    const writer = new LineWriter(1024);
    const record = (name: string, fake: FakeStream) => {
      const original = fake.write.bind(fake);
      fake.write = (chunk: string) => {
        order.push(`${name}:${chunk}`);
        return original(chunk);
      };
    };
    record('out', out);
    record('err', err);
    writer.write(asStream(out), 'a\n');
    writer.write(asStream(out), 'b\n');
    writer.write(asStream(err), 'c\n');
    writer.write(asStream(out), 'd\n');
    await writer.flush();
    expect(order).toEqual(['out:a\nb\n', 'err:c\n', 'out:d\n']);
  });

  it('flushes a full chunk at once and asks the caller to wait until the stream drains', async () => {
    const out = new FakeStream();
    out.full = true;
    const writer = new LineWriter(8);
    expect(writer.write(asStream(out), 'abc\n')).toBeUndefined();
    const wait = writer.write(asStream(out), 'defg\n');
    expect(wait).toBeInstanceOf(Promise);
    expect(out.chunks).toEqual(['abc\ndefg\n']);
    let drained = false;
    void wait?.then(() => {
      drained = true;
    });
    await Promise.resolve();
    expect(drained).toBe(false);
    out.emit('drain');
    await wait;
    expect(drained).toBe(true);
  });
});
