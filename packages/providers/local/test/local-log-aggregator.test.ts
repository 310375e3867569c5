import { createRequire } from 'node:module';
import type { LogEvent } from '@taskport/core';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalLogAggregator } from '../src/index.js';
import { openLocalDatabase } from '../src/local-database.js';
import { LogLineWriter, STDERR, STDOUT } from '../src/log-line-writer.js';
import { removeDataDir, tempDataDir } from './helpers.js';

// Loaded the way the provider loads it (see local-database.ts), so this is the same prototype.
const { StatementSync } = createRequire(import.meta.url)('node:sqlite') as typeof import('node:sqlite');

let dataDir: string;
afterEach(() => removeDataDir(dataDir));

async function readBothWays(aggregator: LocalLogAggregator, executionId: string) {
  const streamed: LogEvent[] = [];
  for await (const event of aggregator.streamLogs(executionId)) streamed.push(event);
  return { fetched: await aggregator.fetchLogsByExecutionId(executionId), streamed };
}

describe('LocalLogAggregator', () => {
  it('reads the same events, paged or not, on a Node without StatementSync.setReturnArrays', async () => {
    dataDir = tempDataDir();
    const writer = new LogLineWriter(openLocalDatabase(dataDir), 'loc-rows');
    writer.write(STDOUT, Buffer.from('one\ntwo\n'));
    writer.write(STDERR, Buffer.from('oops\n'));
    writer.write(STDOUT, Buffer.from('three\n'));
    writer.close();
    const aggregator = new LocalLogAggregator({ dataDir, pageSize: 2 });
    const expected = [
      ['stdout', 'one', '000000000000'],
      ['stdout', 'two', '000000000001'],
      ['stderr', 'oops', '000000000002'],
      ['stdout', 'three', '000000000003'],
    ];
    const shape = (events: LogEvent[]) => events.map((e) => [e.stream, e.message, e.eventId]);

    const withArrays = await readBothWays(aggregator, 'loc-rows');
    expect(shape(withArrays.fetched)).toEqual(expected);
    expect(withArrays.streamed).toEqual(withArrays.fetched);

    const original = Object.getOwnPropertyDescriptor(StatementSync.prototype, 'setReturnArrays');
    Object.defineProperty(StatementSync.prototype, 'setReturnArrays', {
      value: undefined,
      configurable: true,
    });
    try {
      const withObjects = await readBothWays(aggregator, 'loc-rows');
      expect(withObjects.fetched).toEqual(withArrays.fetched);
      expect(withObjects.streamed).toEqual(withArrays.fetched);
    } finally {
      if (original) Object.defineProperty(StatementSync.prototype, 'setReturnArrays', original);
    }
  });
});
