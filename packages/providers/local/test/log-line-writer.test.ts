import { randomBytes } from 'node:crypto';
import { logEventBytes } from '@taskport/core';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalLogAggregator } from '../src/index.js';
import { openLocalDatabase } from '../src/local-database.js';
import { LogLineWriter, STDERR, STDOUT } from '../src/log-line-writer.js';
import { removeDataDir, tempDataDir } from './helpers.js';

let dataDir: string;
afterEach(() => removeDataDir(dataDir));

describe('LogLineWriter', () => {
  it('joins lines split across chunks, keeps streams apart and numbers lines across both', async () => {
    dataDir = tempDataDir();
    const writer = new LogLineWriter(openLocalDatabase(dataDir), 'loc-writer');
    writer.write(STDOUT, Buffer.from('hel'));
    writer.write(STDERR, Buffer.from('err'));
    writer.write(STDOUT, Buffer.from('lo\nwor'));
    writer.write(STDERR, Buffer.from('or\n'));
    writer.write(STDOUT, Buffer.from('ld'));
    writer.close();
    const events = await new LocalLogAggregator({ dataDir }).fetchLogsByExecutionId('loc-writer');
    expect(events.map((event) => [event.stream, event.message])).toEqual([
      ['stdout', 'hello'],
      ['stderr', 'error'],
      ['stdout', 'world'],
    ]);
    expect(events.map((event) => event.eventId)).toEqual(['000000000000', '000000000001', '000000000002']);
  });

  it('cuts a runaway line into bounded pieces instead of buffering it whole', async () => {
    dataDir = tempDataDir();
    const writer = new LogLineWriter(openLocalDatabase(dataDir), 'loc-long', { maxLineBytes: 10 });
    writer.write(STDOUT, Buffer.from('0123456'));
    writer.write(STDOUT, Buffer.from('789abcdefghij\nok\n'));
    writer.close();
    const events = await new LocalLogAggregator({ dataDir }).fetchLogsByExecutionId('loc-long');
    expect(events.map((event) => event.message)).toEqual(['0123456789', 'abcdefghij', 'ok']);

    const pieces = new LogLineWriter(openLocalDatabase(dataDir), 'loc-pieces', { maxLineBytes: 4 });
    pieces.write(STDOUT, Buffer.from('abcdefghij\n'));
    pieces.close();
    const cut = await new LocalLogAggregator({ dataDir }).fetchLogsByExecutionId('loc-pieces');
    expect(cut.map((event) => event.message)).toEqual(['abcd', 'efgh', 'ij']);
  });

  it('keeps the exact bytes of random binary output and CRLF text, cut into random chunks, with no added newline', async () => {
    dataDir = tempDataDir();
    const crlf = Buffer.from('first\r\nsecond\r\n\r\nno newline at the end\r');
    const samples = [
      randomBytes(200_000),
      crlf,
      Buffer.from([0xff, 0xfe, 0x0a, 0xc3, 0x28, 0x0a, 0xe2, 0x82]),
    ];
    for (const [i, data] of samples.entries()) {
      const id = `loc-bytes-${i}`;
      const writer = new LogLineWriter(openLocalDatabase(dataDir), id, { maxLineBytes: 1000 });
      for (let at = 0; at < data.length; ) {
        const size = 1 + Math.floor(Math.random() * 3000);
        writer.write(STDOUT, data.subarray(at, at + size));
        at += size;
      }
      writer.close();
      const events = await new LocalLogAggregator({ dataDir }).fetchLogsByExecutionId(id);
      const out = Buffer.concat(events.map((e) => Buffer.from(logEventBytes(e))));
      expect(out.equals(data), `sample ${i} came back different`).toBe(true);
    }
    // The text stays readable: CR LF lines read without the CR.
    const text = await new LocalLogAggregator({ dataDir }).fetchLogsByExecutionId('loc-bytes-1');
    expect(text.map((e) => e.message)).toEqual(['first', 'second', '', 'no newline at the end\r']);
    expect(text[0]?.raw && Buffer.from(text[0].raw).toString()).toBe('first\r\n');
  });

  it('writes in batches: nothing is visible before a flush, everything after', async () => {
    dataDir = tempDataDir();
    const database = openLocalDatabase(dataDir);
    const writer = new LogLineWriter(database, 'loc-batch', { maxBatchLines: 3, flushIntervalMs: 60_000 });
    const count = () => (database.db.prepare('SELECT COUNT(*) AS n FROM task_logs').get() as { n: number }).n;
    writer.write(STDOUT, Buffer.from('a\nb\n'));
    expect(count()).toBe(0);
    writer.write(STDOUT, Buffer.from('c\nd\n'));
    expect(count()).toBe(3);
    writer.close();
    expect(count()).toBe(4);
  });
});
