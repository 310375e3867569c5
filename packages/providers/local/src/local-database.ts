import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import type { DatabaseSync as DatabaseSyncType } from 'node:sqlite';
import { pathToFileURL } from 'node:url';
import { ConfigurationError, ProviderError, TaskportError, UnavailableError } from '@taskport/core';
import { migrate, SCHEMA_VERSION } from './local-schema.js';

/** The file name of the database inside the data directory. */
export const DATABASE_FILE = 'taskport.db';

/** How long a writer waits for another process's write lock before giving up (SQLite busy handler). */
const BUSY_TIMEOUT_MS = 15_000;

type SqliteModule = typeof import('node:sqlite');
let sqliteModule: SqliteModule | undefined;

/**
 * Runs `load` with exactly one warning filtered out: the ExperimentalWarning some Node versions print
 * when node:sqlite is first loaded. That line would otherwise end up in the CLI's output; every other
 * warning still goes through.
 */
export function withoutSqliteExperimentalWarning<T>(load: () => T): T {
  const original = process.emitWarning;
  process.emitWarning = function filtered(this: unknown, warning: string | Error, ...rest: unknown[]) {
    const text = typeof warning === 'string' ? warning : warning.message;
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    const name = typeof warning === 'string' ? type : warning.name;
    if (name === 'ExperimentalWarning' && /sqlite/i.test(text)) return;
    return (original as (...args: unknown[]) => void).call(process, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    return load();
  } finally {
    process.emitWarning = original;
  }
}

/**
 * Loads node:sqlite: with `require` rather than a static import, because a static import would be
 * evaluated before the warning filter is in place.
 */
function loadSqlite(): SqliteModule {
  if (sqliteModule) return sqliteModule;
  try {
    sqliteModule = withoutSqliteExperimentalWarning(
      () => createRequire(import.meta.url)('node:sqlite') as SqliteModule,
    );
  } catch (error) {
    throw new ConfigurationError(
      `this Node.js (${process.version}) has no usable node:sqlite module; the local provider needs Node 22.13 or newer (or Node 22.12 with --experimental-sqlite)`,
      { provider: 'local', cause: error },
    );
  }
  return sqliteModule;
}

export interface LocalDatabaseOptions {
  /**
   * Create the data directory and the database when they are missing. A supervisor opens with `false`:
   * if its data directory was removed, it must not bring back an empty one.
   * @default true
   */
  create?: boolean;
}

/**
 * `mkdir -p` one level at a time, after checking that the nearest existing ancestor is a writable
 * directory. Node's recursive mkdir never returns under some pseudo-filesystems (`/proc/nope` spins at
 * 100 % CPU), so it is not used; each level's own error is reported instead.
 */
function makeDirectory(dir: string): void {
  const missing: string[] = [];
  let current = dir;
  while (!existsSync(current)) {
    missing.unshift(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  if (!statSync(current).isDirectory()) throw new Error(`${current} exists and is not a directory`);
  if (missing.length === 0) return;
  accessSync(current, constants.W_OK);
  for (const level of missing) {
    try {
      mkdirSync(level, { mode: 0o700 });
    } catch (error) {
      // Another process made it in between: fine.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/**
 * One SQLite connection to a data directory, shared by every local adapter of this process.
 * Several processes (CLI invocations, supervisors) use the same file at once: WAL lets readers run
 * beside the one writer, the busy timeout makes writers queue, and every read-modify-write runs in
 * `BEGIN IMMEDIATE` so it takes the write lock before it reads.
 */
export class LocalDatabase {
  readonly dataDir: string;
  readonly path: string;
  readonly db: DatabaseSyncType;
  private open = true;
  /** The file this connection opened, as (device, inode): see `isGone`. */
  private readonly file: { dev: number; ino: number };

  constructor(dataDir: string, options: LocalDatabaseOptions = {}) {
    const create = options.create ?? true;
    this.dataDir = resolve(dataDir);
    this.path = join(this.dataDir, DATABASE_FILE);
    if (create) {
      try {
        // 0700/0600: the file holds commands, env values and output of the user's tasks.
        makeDirectory(this.dataDir);
        closeSync(openSync(this.path, 'a', 0o600));
      } catch (error) {
        throw new ConfigurationError(
          `cannot create the data directory ${this.dataDir}: ${(error as Error).message}. Set dataDir (or TASKPORT_DATA_DIR) to a writable directory`,
          { provider: 'local', cause: error, details: { key: 'dataDir' } },
        );
      }
    }
    const { DatabaseSync } = loadSqlite();
    try {
      // mode=rw opens an existing file only; by a plain path SQLite would create a missing one.
      this.db = new DatabaseSync(create ? this.path : `${pathToFileURL(this.path).href}?mode=rw`);
    } catch (error) {
      throw new ConfigurationError(
        `cannot open the database ${this.path}: ${(error as Error).message}${create ? '' : ' (was the data directory removed?)'}`,
        { provider: 'local', cause: error, details: { key: 'dataDir' } },
      );
    }
    try {
      // busy_timeout first: switching to WAL itself needs a lock another process may hold.
      this.db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
      this.db.exec('PRAGMA journal_mode = WAL');
      // NORMAL is durable across process crashes in WAL mode (only an OS crash can lose the last commits).
      this.db.exec('PRAGMA synchronous = NORMAL');
      this.db.exec('PRAGMA foreign_keys = ON');
      // Up to date is the common case: check without the write lock, so opening never waits for a writer.
      const { user_version } = this.db.prepare('PRAGMA user_version').get() as { user_version: number };
      if (user_version === 0 && !create) {
        // An empty file where ours was: not a database to migrate into being.
        throw new ConfigurationError(`${this.path} is not a taskport database (it has no schema)`, {
          provider: 'local',
          details: { key: 'dataDir' },
        });
      }
      if (user_version !== SCHEMA_VERSION) this.immediate(() => migrate(this.db, this.path));
      const { dev, ino } = statSync(this.path);
      this.file = { dev, ino };
    } catch (error) {
      this.db.close();
      throw error;
    }
  }

  /**
   * Whether the file this connection has open is no longer at `path`: deleted (typically with its data
   * directory) or replaced by another. Writes then still succeed, into a file nobody will ever read.
   */
  isGone(): boolean {
    try {
      const now = statSync(this.path);
      return now.dev !== this.file.dev || now.ino !== this.file.ino;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // Anything else (EACCES, say) says nothing about whether the file is still there.
      return code === 'ENOENT' || code === 'ENOTDIR';
    }
  }

  /**
   * Runs `body` in a `BEGIN IMMEDIATE` transaction: the write lock is taken before anything is read, so
   * a read-check-write cannot interleave with another process's. `body` must be synchronous.
   */
  immediate<T>(body: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    let result: T;
    try {
      result = body();
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
    this.db.exec('COMMIT');
    return result;
  }

  get isOpen(): boolean {
    return this.open;
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    this.db.close();
  }
}

const cache = new Map<string, LocalDatabase>();
/** Adapters that use each shared connection; it is closed when the last one is closed. */
const users = new Map<string, Set<object>>();

/**
 * The shared connection for `dataDir` in this process, opened (and migrated) on first use. An adapter
 * passes itself as `user` so that `releaseLocalDatabase` closes the handle once no adapter needs it.
 */
export function openLocalDatabase(dataDir: string, user?: object): LocalDatabase {
  const key = resolve(dataDir);
  if (user) {
    const set = users.get(key) ?? new Set<object>();
    users.set(key, set);
    set.add(user);
  }
  const cached = cache.get(key);
  if (cached?.isOpen) return cached;
  const database = new LocalDatabase(key);
  cache.set(key, database);
  return database;
}

/** Drops `user` from the connection of `dataDir`; closes it when no adapter uses it any more. */
export function releaseLocalDatabase(dataDir: string, user: object): void {
  const key = resolve(dataDir);
  const set = users.get(key);
  if (!set?.delete(user)) return;
  if (set.size > 0) return;
  users.delete(key);
  closeLocalDatabase(key);
}

/** Closes the shared connection of `dataDir` (tests, shutdown). Adapters reopen it on next use. */
export function closeLocalDatabase(dataDir: string): void {
  const key = resolve(dataDir);
  cache.get(key)?.close();
  cache.delete(key);
}

/** How many shared connections this process holds open (tests prove `close()` releases them). */
export function openLocalDatabaseCount(): number {
  let open = 0;
  for (const database of cache.values()) if (database.isOpen) open++;
  return open;
}

/**
 * Translates a SQLite failure into a TaskportError at the edge: a lock that stayed busy past the
 * timeout is retryable (UnavailableError); anything else is a ProviderError. The original stays `cause`.
 */
export function sqliteError(error: unknown, operation: string): TaskportError {
  if (TaskportError.isInstance(error)) return error;
  const errcode = (error as { errcode?: number }).errcode;
  const message = error instanceof Error ? error.message : String(error);
  // 5 = SQLITE_BUSY, 6 = SQLITE_LOCKED (primary codes; extended codes keep them in the low byte).
  if (errcode !== undefined && ((errcode & 0xff) === 5 || (errcode & 0xff) === 6)) {
    return new UnavailableError(
      `the database is busy (another taskport process holds the write lock); retry`,
      {
        provider: 'local',
        operation,
        cause: error,
      },
    );
  }
  return new ProviderError(`SQLite failed: ${message}`, { provider: 'local', operation, cause: error });
}
