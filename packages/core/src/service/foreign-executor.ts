import type { Execution } from '../domain/execution.js';
import { ConfigurationError } from '../errors/taskport-error.js';

/**
 * What to tell a user whose record was started by another executor than the configured one (usually a
 * command run outside the project whose taskport.yaml selects that executor): which one, and how to
 * select it. The stored record cannot be brought up to date from here.
 */
export function foreignExecutorMessage(record: Execution, configured: string): string {
  return `execution ${record.executionId} was started by the "${record.executor}" executor, but the configured taskExecutor is "${configured}"; select the deployment that started it: run taskport in (or below) the directory holding its taskport.yaml, or pass its file with --config FILE or TASKPORT_CONFIG`;
}

/** The error for an operation that needs the executor that started the task (kill, follow). */
export function foreignExecutorError(record: Execution, configured: string): ConfigurationError {
  return new ConfigurationError(foreignExecutorMessage(record, configured), {
    details: { executionId: record.executionId, executor: record.executor, configured },
  });
}
