/** One structured log line of taskport itself. */
export interface BackendLogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  /** Every line carries the request it belongs to; BackendObservability finds lines by it. */
  requestId: string;
  /** Unix ms; the logger fills it in when absent. */
  timestamp?: number;
  /** Structured context (operation, executionId, imageId, error code). Never secret values. */
  fields?: Record<string, unknown>;
}

/**
 * Where the Service writes its structured lines. Synchronous and never throwing: logging must not
 * change the outcome of an operation. The local provider stores lines in SQLite so that
 * `fetchBackendLogs` can return them; the AWS provider ships them to CloudWatch Logs in batches.
 */
export interface BackendLogger {
  log(entry: BackendLogEntry): void;
  /**
   * Sends what is still buffered (loggers that ship lines in batches) and releases the logger. Never
   * rejects: a failure to ship must not fail the user's command. Safe to call more than once.
   */
  close?(): Promise<void> | void;
}
