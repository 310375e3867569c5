import { expect } from 'vitest';

/**
 * Asserts that `call` (made with an already-aborted signal) rejects, with any error, and that the
 * adapter made no provider call meanwhile (`providerCalls` did not move): an aborted call is refused at
 * the adapter's edge, not carried to the backend and abandoned there.
 */
export async function expectNoProviderCall(
  providerCalls: () => number,
  what: string,
  call: () => Promise<unknown> | AsyncIterable<unknown>,
): Promise<void> {
  const before = providerCalls();
  let outcome: { resolved: unknown } | { rejected: unknown };
  try {
    const started = call();
    if (Symbol.asyncIterator in Object(started)) {
      const yielded: unknown[] = [];
      for await (const item of started as AsyncIterable<unknown>) yielded.push(item);
      outcome = { resolved: yielded };
    } else {
      outcome = { resolved: await started };
    }
  } catch (error) {
    outcome = { rejected: error };
  }
  expect('rejected' in outcome, `${what} with an already-aborted signal should reject`).toBe(true);
  expect(providerCalls() - before, `provider calls made by ${what} with an already-aborted signal`).toBe(0);
}
