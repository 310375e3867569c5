import { UsageError } from '../usage-error.js';

/** The positional id a command needs, or a usage error naming it. */
export function requireId(command: string, value: string | undefined, what: string): string {
  if (value === undefined || value.trim() === '') {
    throw new UsageError(`missing <${what}>; usage: taskport ${command} <${what}>`);
  }
  return value.trim();
}
