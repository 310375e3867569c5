import { ConfigurationError } from '../errors/taskport-error.js';
import { durationTextSeconds } from './duration-text.js';

/** What a deployment keeps when nobody says otherwise: finished executions of the last 30 days. */
export const DEFAULT_RETENTION = '30d';

/**
 * A retention period as written in `taskport.yaml` (`retention: 14d`) or TASKPORT_RETENTION: `30d`,
 * `12h`, `1d12h`, or `off` (keep everything). Returns seconds, or null for `off`.
 * @throws ConfigurationError naming `where` and the accepted forms
 */
export function parseRetention(text: string, where: string): number | null {
  const trimmed = String(text).trim().toLowerCase();
  if (trimmed === 'off' || trimmed === 'never' || trimmed === 'none') return null;
  const seconds = durationTextSeconds(trimmed);
  // Shorter than an hour would remove the output of tasks still being read.
  if (!Number.isSafeInteger(seconds) || seconds < 3600) {
    throw new ConfigurationError(
      `${where} "${text}" is not a retention period; use e.g. 30d, 7d, 12h (at least 1h), or off to keep everything`,
      { details: { key: where } },
    );
  }
  return seconds;
}

/**
 * Whether a retention period is to be applied automatically to a store: not when it is off, and not when
 * it is the default and the store cannot delete records (the user did not ask; a period they chose is
 * applied, and its failure reported). Shared by the CLI (after a run) and the server (every hour).
 */
export function appliesAutomatically(
  retention: { seconds: number | null; source: string },
  store: { delete?: unknown },
): retention is { seconds: number; source: string } {
  if (retention.seconds === null) return false;
  return typeof store.delete === 'function' || retention.source !== 'default';
}
