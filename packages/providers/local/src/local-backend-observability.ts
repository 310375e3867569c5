import {
  type BackendObservability,
  type LogEvent,
  type OperationOptions,
  ValidationError,
} from '@taskport/core';
import { openLocalDatabase, releaseLocalDatabase, sqliteError } from './local-database.js';
import { defaultDataDir } from './local-options.js';

export interface LocalBackendObservabilityOptions {
  /** Data directory (see LocalOptions.dataDir). @default the LocalOptions default */
  dataDir?: string;
}

interface BackendLogRow {
  id: number;
  request_id: string;
  ts: number;
  level: string;
  message: string;
  fields: string | null;
}

/**
 * taskport's own log lines for a request, as SqliteBackendLogger stored them. Each event's `message` is
 * the line as one JSON object in the shape JsonLinesLogger prints (`time`, `level`, `request_id`, `msg`,
 * then the fields), so a trace reads the same whichever provider stored it.
 */
export class LocalBackendObservability implements BackendObservability {
  readonly provider = 'local';
  private readonly dataDir: string;

  constructor(options: LocalBackendObservabilityOptions = {}) {
    this.dataDir = options.dataDir ?? defaultDataDir(process.env);
  }

  /** Releases this adapter's use of the shared database connection (closed with its last user). */
  close(): void {
    releaseLocalDatabase(this.dataDir, this);
  }

  async fetchBackendLogs(requestId: string, options: OperationOptions = {}): Promise<LogEvent[]> {
    options.signal?.throwIfAborted();
    if (typeof requestId !== 'string' || requestId.trim() === '') {
      throw new ValidationError('a request id is required', {
        provider: 'local',
        operation: 'BackendObservability.fetchBackendLogs',
        details: { field: 'requestId' },
      });
    }
    let rows: BackendLogRow[];
    try {
      // Equality on the column: the id is matched exactly, never as a pattern.
      rows = openLocalDatabase(this.dataDir, this)
        .db.prepare('SELECT * FROM backend_logs WHERE request_id = ? ORDER BY ts, id')
        .all(requestId) as unknown as BackendLogRow[];
    } catch (error) {
      throw sqliteError(error, 'BackendObservability.fetchBackendLogs');
    }
    return rows.map((row) => ({
      timestamp: row.ts,
      message: JSON.stringify({
        time: new Date(row.ts).toISOString(),
        level: row.level,
        request_id: row.request_id,
        msg: row.message,
        ...(row.fields ? (JSON.parse(row.fields) as Record<string, unknown>) : {}),
      }),
      eventId: String(row.id).padStart(12, '0'),
    }));
  }

  async deleteLogsBefore(before: number, options: OperationOptions = {}): Promise<number> {
    options.signal?.throwIfAborted();
    try {
      const result = openLocalDatabase(this.dataDir, this)
        .db.prepare('DELETE FROM backend_logs WHERE ts < ?')
        .run(before);
      return Number(result.changes);
    } catch (error) {
      throw sqliteError(error, 'BackendObservability.deleteLogsBefore');
    }
  }
}
