import type { BackendLogEntry, BackendLogger } from '../ports/backend-logger.js';

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;

/**
 * Writes one JSON object per line (`{"time":...,"level":...,"request_id":...,"msg":...}`), the shape log
 * collectors (CloudWatch, Cloud Logging, kubectl logs) index. Lines below `minLevel` are dropped.
 */
export class JsonLinesLogger implements BackendLogger {
  constructor(
    private readonly write: (line: string) => void,
    private readonly minLevel: BackendLogEntry['level'] = 'info',
  ) {}

  log(entry: BackendLogEntry): void {
    if (LEVELS[entry.level] < LEVELS[this.minLevel]) return;
    try {
      this.write(
        `${JSON.stringify({
          time: new Date(entry.timestamp ?? Date.now()).toISOString(),
          level: entry.level,
          request_id: entry.requestId,
          msg: entry.message,
          ...entry.fields,
        })}\n`,
      );
    } catch {
      // Logging never changes the outcome of an operation.
    }
  }
}

/** Drops every line. */
export const nullLogger: BackendLogger = { log() {} };

/** Sends each line to every logger given. */
export function teeLogger(...loggers: BackendLogger[]): BackendLogger {
  return {
    log(entry) {
      for (const logger of loggers) logger.log(entry);
    },
  };
}
