import { describe, it, type TestContext } from 'vitest';
import type { Cleanup, SuiteOptions } from './suite-options.js';

/** What one contract test receives. */
export interface ContractTestScope<Fixture> {
  /** The fresh adapter built for this test alone. */
  fixture: Fixture;
  /** vitest's context of this test (`skip(note)` for capability skips). */
  context: TestContext;
  /** Aborts when the test times out or the run is cancelled; pass it on to waits and streams. */
  signal: AbortSignal;
  /**
   * Registers best-effort cleanup of something this test made (a running task). Runs after the test,
   * last registered first, before the fixture's own `cleanup`; its errors are ignored.
   */
  defer(cleanup: () => Promise<unknown> | unknown): void;
}

export type ContractTest<Fixture> = (scope: ContractTestScope<Fixture>) => Promise<void>;

/** How long a test may take in all: it may wait for a state twice and still clean up. */
export function testTimeoutMs(options: { waitTimeoutMs?: number }): number {
  return waitTimeoutMs(options) * 2 + 15_000;
}

export function waitTimeoutMs(options: { waitTimeoutMs?: number }): number {
  return options.waitTimeoutMs ?? 30_000;
}

/**
 * Declares one suite: a describe block with one `it` per name, in the order of `names`. `tests` must
 * implement every name (a `Record` over the name union, so a missing one fails to compile). Each test
 * builds its own fixture with `options.create()` and cleans it up after itself, so tests share no
 * state and can run in any order. Disabled tests become `it.skip` with the reason in the title.
 */
export function defineContractSuite<Fixture extends Cleanup, TestName extends string>(
  port: string,
  options: SuiteOptions<Fixture, TestName>,
  names: readonly TestName[],
  tests: { readonly [Name in TestName]: ContractTest<Fixture> },
): void {
  checkDisable(port, options.disable, names);
  const timeout = testTimeoutMs(options);
  describe(`${port} contract: ${options.name}`, () => {
    for (const name of names) {
      const reason = options.disable?.[name];
      if (reason !== undefined) {
        it.skip(`${name} (disabled: ${reason.trim()})`, () => {});
        continue;
      }
      const body = tests[name];
      it(
        name,
        async (context) => {
          const fixture = await options.create();
          const deferred: Array<() => Promise<unknown> | unknown> = [];
          context.onTestFinished(async () => {
            for (const cleanup of deferred.reverse()) {
              try {
                await cleanup();
              } catch {
                // Best effort: a task that already ended refuses to be killed, and that is fine here.
              }
            }
            await fixture.cleanup?.();
          }, timeout);
          await body({
            fixture,
            context,
            signal: context.signal,
            defer: (cleanup) => {
              deferred.push(cleanup);
            },
          });
        },
        timeout,
      );
    }
  });
}

/** Rejects blank reasons and names that are not tests of this suite (for callers without types). */
function checkDisable(
  port: string,
  disable: Partial<Record<string, string>> | undefined,
  names: readonly string[],
) {
  for (const [name, reason] of Object.entries(disable ?? {})) {
    if (reason === undefined) continue;
    if (!names.includes(name)) {
      throw new Error(
        `[contract-tests] ${port}: disable names "${name}", which is not a test of this suite. Tests: ${names.map((n) => `"${n}"`).join(', ')}`,
      );
    }
    if (typeof reason !== 'string' || reason.trim() === '') {
      throw new Error(`[contract-tests] ${port}: disabling "${name}" needs a reason (a non-empty string)`);
    }
  }
}
