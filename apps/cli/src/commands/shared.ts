import type { CliContext } from '../context.js';
import { UsageError } from '../usage-error.js';

/** The positional id a command needs, or a usage error naming it. */
export function requireId(command: string, value: string | undefined, what: string): string {
  if (value === undefined || value.trim() === '') {
    throw new UsageError(`missing <${what}>; usage: taskport ${command} <${what}>`);
  }
  return value.trim();
}

/**
 * The full execution id for what the user typed: the id itself or a unique prefix of it (as docker and
 * git take them). An ambiguous prefix fails listing the candidates; an unknown one as NotFound.
 */
export async function resolveExecutionId(
  context: CliContext,
  command: string,
  value: string | undefined,
): Promise<string> {
  const ref = requireId(command, value, 'execution-id');
  const taskport = await context.open();
  return taskport.service.resolveExecutionId(ref);
}
