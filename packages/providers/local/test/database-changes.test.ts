import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DatabaseChanges } from '../src/database-changes.js';
import { LocalLogAggregator } from '../src/index.js';
import { LocalDatabase } from '../src/local-database.js';
import { LogLineWriter, STDOUT } from '../src/log-line-writer.js';
import { removeDataDir, tempDataDir } from './helpers.js';

let dataDir: string;
afterEach(() => removeDataDir(dataDir));

// A poll interval no test waits out: these tests finish only if a change ends the wait.
const NEVER_MS = 10 * 60_000;

describe('DatabaseChanges', () => {
  it('a follower waiting out its poll interval reads as soon as another connection commits', async () => {
    dataDir = tempDataDir();
    // A second connection to the same file, as a supervisor process has.
    const supervisor = new LocalDatabase(dataDir);
    const aggregator = new LocalLogAggregator({
      dataDir,
      pollIntervalMs: NEVER_MS,
      maxPollIntervalMs: NEVER_MS,
    });
    let done = false;
    const seen: string[] = [];
    const following = (async () => {
      const events = aggregator.streamLogs('loc-wake', { follow: true, isTaskDone: async () => done });
      for await (const event of events) seen.push(event.message);
    })();
    // The follower's first read found nothing and it is now waiting; the task writes a line and ends.
    await new Promise((resolve) => setImmediate(resolve));
    done = true;
    const writer = new LogLineWriter(supervisor, 'loc-wake');
    writer.write(STDOUT, Buffer.from('one\n'));
    writer.close();
    await following;
    expect(seen).toEqual(['one']);
    supervisor.close();
    aggregator.close();
  });

  it('falls back to its timer where the directory cannot be watched', async () => {
    dataDir = tempDataDir();
    const changes = new DatabaseChanges(join(dataDir, 'missing'));
    await expect(changes.wait(1)).resolves.toBeUndefined();
    changes.close();
  });

  it('rejects a wait with the reason of its abort signal', async () => {
    dataDir = tempDataDir();
    const changes = new DatabaseChanges(dataDir);
    const controller = new AbortController();
    const waiting = changes.wait(NEVER_MS, controller.signal);
    controller.abort(new Error('stopped following'));
    await expect(waiting).rejects.toThrow('stopped following');
    changes.close();
  });
});
