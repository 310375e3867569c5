import { TaskportError } from '@taskport/core';
import { EXIT } from './exit-codes.js';
import { UsageError } from './usage-error.js';

/**
 * One line for an error and the exit code of a command other than `run`: 2 when the input or the
 * configuration was wrong (nothing was changed), 1 otherwise. Set TASKPORT_DEBUG=1 to see the stack and
 * causes.
 */
export function describeFailure(error: unknown, env: NodeJS.ProcessEnv): { line: string; code: number } {
  if (error instanceof UsageError) return { line: `taskport: ${error.message}`, code: EXIT.USAGE };
  const line = `taskport: ${messageOf(error)}${debugDetails(error, env)}`;
  return { line, code: isUsersToFix(error) ? EXIT.USAGE : EXIT.FAILURE };
}

/**
 * The exit code of `run` when it fails before the task exists: 2 when the input was wrong (bad env
 * name, unknown image, invalid cpu/memory pair — rejected before anything runs), else 125 so that it
 * never collides with the task's own codes.
 */
export function runFailureCode(error: unknown): number {
  if (error instanceof UsageError) return EXIT.USAGE;
  if (isUsersToFix(error) || TaskportError.hasCode(error, 'NOT_FOUND')) return EXIT.USAGE;
  return EXIT.INFRASTRUCTURE;
}

/** Bad input or a bad configuration: the user has something to fix, and nothing was run or changed. */
function isUsersToFix(error: unknown): boolean {
  return TaskportError.hasCode(error, 'VALIDATION') || TaskportError.hasCode(error, 'CONFIGURATION');
}

export function messageOf(error: unknown): string {
  if (TaskportError.isInstance(error) || error instanceof Error) return firstLine(error.message);
  return firstLine(String(error));
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

function debugDetails(error: unknown, env: NodeJS.ProcessEnv): string {
  if (!env.TASKPORT_DEBUG) return '';
  const parts: string[] = [];
  let current: unknown = error;
  while (current instanceof Error) {
    parts.push(current.stack ?? current.message);
    current = current.cause;
  }
  return parts.length > 0 ? `\n${parts.join('\ncaused by: ')}` : '';
}
