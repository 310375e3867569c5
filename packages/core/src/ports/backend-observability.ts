import type { LogEvent } from '../domain/log-event.js';
import type { OperationOptions } from './operation-options.js';

/** The platform's own log lines (taskport's structured logs), for debugging a request. */
export interface BackendObservability {
  readonly provider: string;

  /**
   * The lines logged while handling `requestId`, ordered by time; `[]` when there are none.
   * Only that request's lines: the id is matched exactly, never interpreted as a pattern.
   * @throws ValidationError when `requestId` is empty
   */
  fetchBackendLogs(requestId: string, options?: OperationOptions): Promise<LogEvent[]>;

  /** Retention (optional): removes the lines older than `before` (Unix ms); resolves to how many went. */
  deleteLogsBefore?(before: number, options?: OperationOptions): Promise<number>;
}
