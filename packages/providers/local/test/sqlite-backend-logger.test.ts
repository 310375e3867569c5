import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { closeLocalDatabase, LocalBackendObservability, SqliteBackendLogger } from '../src/index.js';
import { removeDataDir, tempDataDir } from './helpers.js';

let dataDir: string;
afterEach(() => removeDataDir(dataDir));

describe('SqliteBackendLogger', () => {
  it('stores lines at or above its level with their fields, as one JSON line per event', async () => {
    dataDir = tempDataDir();
    const logger = new SqliteBackendLogger({ dataDir, minLevel: 'info' });
    logger.log({ level: 'debug', message: 'too quiet', requestId: 'req-1' });
    logger.log({
      level: 'info',
      message: 'run',
      requestId: 'req-1',
      timestamp: 1000,
      fields: { executionId: 'loc-1' },
    });
    logger.log({ level: 'error', message: 'other request', requestId: 'req-2' });
    const events = await new LocalBackendObservability({ dataDir }).fetchBackendLogs('req-1');
    expect(events).toHaveLength(1);
    expect(events[0]!.timestamp).toBe(1000);
    expect(JSON.parse(events[0]!.message)).toEqual({
      time: new Date(1000).toISOString(),
      level: 'info',
      request_id: 'req-1',
      msg: 'run',
      executionId: 'loc-1',
    });
  });

  it('withholds the values of secret-looking fields, even nested ones', async () => {
    dataDir = tempDataDir();
    const secret = 'hunter2-value-that-must-not-persist';
    new SqliteBackendLogger({ dataDir }).log({
      level: 'warn',
      message: 'careful',
      requestId: 'req-s',
      fields: { apiKey: secret, nested: { password: secret, list: [{ authToken: secret }] }, ok: 'visible' },
    });
    const [event] = await new LocalBackendObservability({ dataDir }).fetchBackendLogs('req-s');
    expect(JSON.parse(event!.message)).toMatchObject({
      apiKey: '[redacted]',
      nested: { password: '[redacted]', list: [{ authToken: '[redacted]' }] },
      ok: 'visible',
    });
    closeLocalDatabase(dataDir);
    for (const file of readdirSync(dataDir)) {
      expect(readFileSync(join(dataDir, file)).includes(secret), file).toBe(false);
    }
  });

  it('never throws, even when the data directory cannot be used', () => {
    dataDir = tempDataDir();
    // A data directory below a regular file can never be created.
    const file = join(dataDir, 'a-file');
    writeFileSync(file, '');
    const logger = new SqliteBackendLogger({ dataDir: join(file, 'data') });
    expect(() => logger.log({ level: 'error', message: 'x', requestId: 'req-x' })).not.toThrow();
  });
});
