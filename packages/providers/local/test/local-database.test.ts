import { spawnSync } from 'node:child_process';
import { existsSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { ConfigurationError, type Execution } from '@taskport/core';
import { afterEach, describe, expect, it } from 'vitest';
import { closeLocalDatabase, DATABASE_FILE, openLocalDatabase } from '../src/index.js';
import { LocalDatabase, withoutSqliteExperimentalWarning } from '../src/local-database.js';
import { LocalExecutionStore } from '../src/local-execution-store.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../src/local-schema.js';
import { isProcessAlive, processStartToken } from '../src/process-identity.js';
import { removeDataDir, tempDataDir } from './helpers.js';

let dataDir: string;
afterEach(() => removeDataDir(dataDir));

describe('the local database', () => {
  it('is created private, in WAL mode, at the current schema version, and shared per directory', () => {
    dataDir = tempDataDir();
    const database = openLocalDatabase(join(dataDir, 'nested'));
    expect(openLocalDatabase(join(dataDir, 'nested'))).toBe(database);
    expect(database.db.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    expect(database.db.prepare('PRAGMA user_version').get()).toEqual({ user_version: SCHEMA_VERSION });
    expect(statSync(join(dataDir, 'nested')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dataDir, 'nested', DATABASE_FILE)).mode & 0o777).toBe(0o600);
    closeLocalDatabase(join(dataDir, 'nested'));
  });

  it('opened with create: false, creates neither a missing data directory nor a missing or empty database', () => {
    dataDir = tempDataDir();
    const missing = join(dataDir, 'missing');
    expect(() => new LocalDatabase(missing, { create: false })).toThrow(ConfigurationError);
    expect(existsSync(missing)).toBe(false);
    expect(() => new LocalDatabase(dataDir, { create: false })).toThrow(ConfigurationError);
    expect(existsSync(join(dataDir, DATABASE_FILE))).toBe(false);
    writeFileSync(join(dataDir, DATABASE_FILE), '');
    expect(() => new LocalDatabase(dataDir, { create: false })).toThrow(/no schema/);
  });

  it('an unusable data directory fails at once with a ConfigurationError instead of spinning (/proc, a file as parent)', () => {
    // In a child process with a time limit: the failure this guards against is a busy loop that never returns.
    const entry = new URL('../dist/local-database.js', import.meta.url).href;
    dataDir = tempDataDir();
    const file = join(dataDir, 'a-file');
    writeFileSync(file, 'x');
    for (const dir of ['/proc/nope/data', join(file, 'data')]) {
      const script = `import(${JSON.stringify(entry)}).then(({ LocalDatabase }) => {
        try { new LocalDatabase(${JSON.stringify(dir)}); console.log('opened'); }
        catch (e) { console.log(e.code + ': ' + e.message); }
      })`;
      const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(result.signal, `creating ${dir} did not return`).toBeNull();
      expect(result.stdout).toMatch(/^CONFIGURATION: \[local\] cannot create the data directory/);
      expect(result.stdout).toContain('TASKPORT_DATA_DIR');
    }
  });

  it('isGone tells when the database file is deleted or replaced under an open connection', () => {
    dataDir = tempDataDir();
    const path = join(dataDir, 'db');
    new LocalDatabase(path).close();
    const database = new LocalDatabase(path, { create: false });
    expect(database.isGone()).toBe(false);
    renameSync(join(path, DATABASE_FILE), join(dataDir, 'moved.db'));
    new LocalDatabase(path).close();
    expect(database.isGone()).toBe(true);
    rmSync(path, { recursive: true });
    expect(database.isGone()).toBe(true);
    database.close();
  });

  it('refuses a database written by a newer schema instead of misreading it', () => {
    dataDir = tempDataDir();
    const raw = new DatabaseSync(join(dataDir, DATABASE_FILE));
    raw.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    let caught: unknown;
    try {
      openLocalDatabase(dataDir);
    } catch (error) {
      caught = error;
    }
    expect(ConfigurationError.isInstance(caught)).toBe(true);
    expect((caught as Error).message).toContain('newer');
  });

  it('migrates a schema 1 database: idempotency keys become per user and existing keys still find their record', async () => {
    dataDir = tempDataDir();
    const raw = new DatabaseSync(join(dataDir, DATABASE_FILE));
    raw.exec(MIGRATIONS[0]!);
    raw.exec('PRAGMA user_version = 1');
    const old: Execution = {
      executionId: 'exec-old',
      status: 'SUCCEEDED',
      command: 'true',
      imageId: 'alpine:latest-01234567',
      image: 'alpine',
      createdBy: 'ana@example.com',
      executor: 'local',
      createdAt: '2026-01-01T00:00:00.000Z',
      exitCode: 0,
      requestId: 'req-1',
      labels: {},
      envKeys: [],
      env: {},
      idempotencyKey: 'nightly',
    };
    raw
      .prepare(
        `INSERT INTO executions (execution_id, created_ms, status, request_id, idempotency_key, record)
         VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(
        old.executionId,
        Date.parse(old.createdAt),
        old.status,
        old.requestId,
        'nightly',
        JSON.stringify(old),
      );
    raw.close();

    const store = new LocalExecutionStore({ dataDir });
    expect(await store.findByIdempotencyKey('ana@example.com', 'nightly')).toEqual(old);
    expect(await store.findByIdempotencyKey('bo@example.com', 'nightly')).toBeNull();
    // Another user may now use the key; its first user still may not.
    await store.create({ ...old, executionId: 'exec-bo', createdBy: 'bo@example.com' });
    await expect(store.create({ ...old, executionId: 'exec-ana-2' })).rejects.toThrow(/exec-old/);
    expect(openLocalDatabase(dataDir).db.prepare('PRAGMA user_version').get()).toEqual({
      user_version: SCHEMA_VERSION,
    });
  });

  it('rolls a failed transaction back', () => {
    dataDir = tempDataDir();
    const database = openLocalDatabase(dataDir);
    expect(() =>
      database.immediate(() => {
        database.db
          .prepare(`INSERT INTO backend_logs (request_id, ts, level, message) VALUES ('r', 1, 'info', 'm')`)
          .run();
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(database.db.prepare('SELECT COUNT(*) AS n FROM backend_logs').get()).toEqual({ n: 0 });
  });
});

describe('process identity', () => {
  it('tells a live process from one that got its pid with another start time', () => {
    dataDir = tempDataDir();
    const token = processStartToken(process.pid);
    expect(token).not.toBeNull();
    expect(isProcessAlive(process.pid, token)).toBe(true);
    expect(isProcessAlive(process.pid, `${token}1`)).toBe(false);
    expect(isProcessAlive(2 ** 22 + 12345, null)).toBe(false);
  });
});

describe('withoutSqliteExperimentalWarning', () => {
  it('drops only the node:sqlite ExperimentalWarning while loading, and restores emitWarning after', async () => {
    dataDir = tempDataDir();
    const original = process.emitWarning;
    const seen: string[] = [];
    const listener = (warning: Error) => seen.push(`${warning.name}: ${warning.message}`);
    process.on('warning', listener);
    try {
      const value = withoutSqliteExperimentalWarning(() => {
        process.emitWarning(
          'SQLite is an experimental feature and might change at any time',
          'ExperimentalWarning',
        );
        process.emitWarning('Something else is experimental', 'ExperimentalWarning');
        process.emitWarning('sqlite is mentioned but this is no experimental warning', 'DeprecationWarning');
        return 42;
      });
      expect(value).toBe(42);
      expect(process.emitWarning).toBe(original);
      // 'warning' events are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
      expect(seen).toEqual([
        'ExperimentalWarning: Something else is experimental',
        'DeprecationWarning: sqlite is mentioned but this is no experimental warning',
      ]);
    } finally {
      process.off('warning', listener);
    }
  });
});
