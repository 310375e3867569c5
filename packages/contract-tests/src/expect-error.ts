import { assert } from 'vitest';

/** A TaskportError subclass (or the base), recognised by its `isInstance` marker check. */
export interface TaskportErrorKind {
  readonly name: string;
  isInstance(error: unknown): boolean;
}

/**
 * Awaits `action` and asserts it rejects with an error of `kind`, checked with `kind.isInstance` (the
 * marker check that survives duplicated package copies), never `instanceof`. Returns the error so a
 * test can look at its message.
 */
export async function expectTaskportError(
  action: Promise<unknown> | (() => Promise<unknown>),
  kind: TaskportErrorKind,
  what: string,
): Promise<Error> {
  let outcome: { resolved: unknown } | { rejected: unknown };
  try {
    outcome = { resolved: await (typeof action === 'function' ? action() : action) };
  } catch (error) {
    outcome = { rejected: error };
  }
  if ('resolved' in outcome) {
    assert.fail(`${what}: expected ${kind.name}, but it resolved with ${describeValue(outcome.resolved)}`);
  }
  const error = outcome.rejected;
  if (!kind.isInstance(error)) {
    assert.fail(`${what}: expected ${kind.name}, but it threw ${describeValue(error)}`);
  }
  return error as Error;
}

function describeValue(value: unknown): string {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return `${value.name}${code === undefined ? '' : ` (code ${String(code)})`}: ${value.message}`;
  }
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
