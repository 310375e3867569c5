import type { LogEvent } from '../domain/log-event.js';
import type { OperationOptions } from './operation-options.js';

export interface StreamLogsOptions extends OperationOptions {
  /** Keep waiting for new lines until the task ends (see `isTaskDone`) or the signal aborts. */
  follow?: boolean;
  /** Only events at or after this Unix-ms timestamp (resume). Events already seen are de-duplicated by eventId. */
  since?: number;
  /**
   * Tells a following stream that the task has finished, so it can drain what is left and end. The
   * Service passes one backed by the TaskExecutor, so a log provider needs no knowledge of task state.
   * Adapters that know task state themselves may also end on their own.
   */
  isTaskDone?: () => Promise<boolean>;
  /** How often to look for new lines when following, in ms (adapters back off up to a bound). */
  pollIntervalMs?: number;
}

/** The output of executions. */
export interface LogAggregator {
  readonly provider: string;

  /**
   * Every event of the execution so far, ordered by time (stdout and stderr interleaved as produced).
   * `[]` when there is none, including for a task that never started - never an error for that.
   */
  fetchLogsByExecutionId(executionId: string, options?: OperationOptions): Promise<LogEvent[]>;

  /**
   * The same events as an async iterable, read page by page so memory stays bounded whatever the size
   * of the output. With `follow`, starts at the head of the stream, yields lines as they appear (each
   * once) and ends after the task has ended and the rest is drained.
   */
  streamLogs(executionId: string, options?: StreamLogsOptions): AsyncIterable<LogEvent>;

  /** Retention (optional): removes the output of a finished execution. Unknown ids are no error. */
  deleteLogs?(executionId: string, options?: OperationOptions): Promise<void>;
}
