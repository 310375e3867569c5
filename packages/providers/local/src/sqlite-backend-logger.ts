import type { BackendLogEntry, BackendLogger } from '@taskport/core';
import { openLocalDatabase, releaseLocalDatabase } from './local-database.js';
import type { BackendLogLevel } from './local-options.js';
import { defaultDataDir } from './local-options.js';

export interface SqliteBackendLoggerOptions {
  /** Data directory (see LocalOptions.dataDir). @default the LocalOptions default */
  dataDir?: string;
  /** Lines below this level are dropped. @default 'info' */
  minLevel?: BackendLogLevel;
}

const LEVELS: Record<BackendLogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * Field names whose values are withheld. The Service never logs secret values on purpose; this is the
 * second line of defence, because a value written here would stay in the database for good.
 */
const SECRET_FIELD = /secret|password|passwd|token|api[_-]?key|private[_-]?key|credential|authorization/i;

function redact(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > 5) return value;
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    out[key] = SECRET_FIELD.test(key) ? '[redacted]' : redact(item, depth + 1);
  }
  return out;
}

/**
 * Stores the Service's structured lines in the `backend_logs` table, indexed by request id, so
 * LocalBackendObservability can return one request's lines. Each line is its own small transaction
 * (logging is synchronous by contract); a failure to store is swallowed, because logging must never
 * change the outcome of an operation.
 */
export class SqliteBackendLogger implements BackendLogger {
  private readonly dataDir: string;
  private readonly minLevel: number;

  constructor(options: SqliteBackendLoggerOptions = {}) {
    this.dataDir = options.dataDir ?? defaultDataDir(process.env);
    this.minLevel = LEVELS[options.minLevel ?? 'info'];
  }

  /** Releases this adapter's use of the shared database connection (closed with its last user). */
  close(): void {
    releaseLocalDatabase(this.dataDir, this);
  }

  log(entry: BackendLogEntry): void {
    try {
      if ((LEVELS[entry.level] ?? 0) < this.minLevel) return;
      if (typeof entry.requestId !== 'string' || entry.requestId === '') return;
      const fields =
        entry.fields && Object.keys(entry.fields).length > 0 ? JSON.stringify(redact(entry.fields)) : null;
      openLocalDatabase(this.dataDir, this)
        .db.prepare(
          'INSERT INTO backend_logs (request_id, ts, level, message, fields) VALUES (?, ?, ?, ?, ?)',
        )
        .run(entry.requestId, entry.timestamp ?? Date.now(), entry.level, String(entry.message), fields);
    } catch {
      // See the class comment: never let logging fail an operation.
    }
  }
}
