import { type LogEvent, ValidationError } from '@taskport/core';
import { expect } from 'vitest';
import { type ContractTestScope, defineContractSuite, waitTimeoutMs } from './contract-suite.js';
import { expectTaskportError } from './expect-error.js';
import { expectNoProviderCall } from './expect-no-provider-call.js';
import { randomToken } from './random-id.js';
import type { BackendObservabilityFixture, RequiresOrDisables, SuiteOptions } from './suite-options.js';
import { waitFor } from './wait-for.js';

/** Every test of the BackendObservability suite, in the order they run. */
export const BACKEND_OBSERVABILITY_TESTS = [
  'fetchBackendLogs returns the lines of one request in order and none of another',
  'fetchBackendLogs returns [] for a request with no lines',
  'fetchBackendLogs does not match a request id by prefix',
  'fetchBackendLogs matches a request id with quotes and operators literally',
  'fetchBackendLogs matches a request id with wildcard characters literally',
  'fetchBackendLogs rejects an empty request id with ValidationError',
  'fetchBackendLogs rejects an already-aborted signal without a provider call',
] as const;
export type BackendObservabilityTestName = (typeof BACKEND_OBSERVABILITY_TESTS)[number];

/** The tests that need `fixture.providerCalls` (or must be disabled). */
export const BACKEND_OBSERVABILITY_TESTS_NEEDING_PROVIDER_CALLS = [
  'fetchBackendLogs rejects an already-aborted signal without a provider call',
] as const satisfies readonly BackendObservabilityTestName[];

export type BackendObservabilityContractOptions = SuiteOptions<
  BackendObservabilityFixture,
  BackendObservabilityTestName
> &
  RequiresOrDisables<
    BackendObservabilityFixture,
    'providerCalls',
    (typeof BACKEND_OBSERVABILITY_TESTS_NEEDING_PROVIDER_CALLS)[number],
    BackendObservabilityTestName
  >;

type Scope = ContractTestScope<BackendObservabilityFixture>;

/**
 * The BackendObservability contract: lines are found by request id, exactly and literally. Each line
 * carries a unique token, and a returned event belongs to a line when its message contains the token,
 * so an adapter may return the bare message or the whole structured (JSON) line.
 */
export function describeBackendObservabilityContract(options: BackendObservabilityContractOptions): void {
  const timeoutMs = waitTimeoutMs(options);

  /** Emits one line per token for `requestId`, 1 ms apart so the order is unambiguous. */
  const emitLines = async (scope: Scope, requestId: string, tokens: readonly string[], startAt: number) => {
    for (const [index, token] of tokens.entries()) {
      await scope.fixture.emit({
        level: 'info',
        message: `contract line ${token}`,
        requestId,
        timestamp: startAt + index,
        fields: { operation: 'contract', index },
      });
    }
  };

  /** Waits until every token is visible for `requestId` (log pipelines may lag) and returns the events. */
  const fetchAll = (scope: Scope, requestId: string, tokens: readonly string[]) =>
    waitFor(
      () => scope.fixture.observability.fetchBackendLogs(requestId),
      (events) => tokens.every((token) => events.some((event) => event.message.includes(token))),
      { timeoutMs, what: `${tokens.length} backend lines of request ${requestId}`, signal: scope.signal },
    );

  /** Asserts `events` are exactly the lines of `tokens`, in that order. */
  const expectExactly = (events: readonly LogEvent[], tokens: readonly string[], requestId: string) => {
    const owners = events.map((event) => tokens.findIndex((token) => event.message.includes(token)));
    expect(owners, `lines returned for request ${requestId}: ${JSON.stringify(events)}`).toEqual(
      tokens.map((_, index) => index),
    );
    for (let i = 1; i < events.length; i++) {
      expect(events[i]!.timestamp).toBeGreaterThanOrEqual(events[i - 1]!.timestamp);
    }
  };

  /** Request ids that a pattern-interpreting adapter would widen to match `decoy` too. */
  const literalCase = async (scope: Scope, base: string, specialIds: readonly string[]) => {
    const decoy = `${base}-other`;
    const decoyTokens = [randomToken(), randomToken()];
    const now = Date.now();
    await emitLines(scope, decoy, decoyTokens, now);
    const tokensById = specialIds.map((id) => [id, [randomToken(), randomToken()]] as const);
    for (const [index, [id, tokens]] of tokensById.entries()) {
      await emitLines(scope, id, tokens, now + 10 * (index + 1));
    }
    await fetchAll(scope, decoy, decoyTokens);
    for (const [id, tokens] of tokensById) {
      const events = await fetchAll(scope, id, tokens);
      expectExactly(events, tokens, id);
    }
  };

  defineContractSuite<BackendObservabilityFixture, BackendObservabilityTestName>(
    'BackendObservability',
    options,
    BACKEND_OBSERVABILITY_TESTS,
    {
      'fetchBackendLogs returns the lines of one request in order and none of another': async (scope) => {
        const a = `req-${randomToken()}`;
        const b = `req-${randomToken()}`;
        const tokensA = [randomToken(), randomToken(), randomToken()];
        const tokensB = [randomToken(), randomToken()];
        const now = Date.now();
        // Interleaved, as concurrent requests write them.
        await emitLines(scope, a, tokensA.slice(0, 1), now);
        await emitLines(scope, b, tokensB.slice(0, 1), now + 1);
        await emitLines(scope, a, tokensA.slice(1, 2), now + 2);
        await emitLines(scope, b, tokensB.slice(1, 2), now + 3);
        await emitLines(scope, a, tokensA.slice(2, 3), now + 4);

        expectExactly(await fetchAll(scope, a, tokensA), tokensA, a);
        expectExactly(await fetchAll(scope, b, tokensB), tokensB, b);
      },

      'fetchBackendLogs returns [] for a request with no lines': async (scope) => {
        const other = `req-${randomToken()}`;
        const token = randomToken();
        await emitLines(scope, other, [token], Date.now());
        await fetchAll(scope, other, [token]);
        expect(await scope.fixture.observability.fetchBackendLogs(`req-${randomToken()}`)).toEqual([]);
      },

      'fetchBackendLogs does not match a request id by prefix': async (scope) => {
        const id = `req-${randomToken()}`;
        const longer = [`${id}-2`, `${id}2`, `x${id}`];
        const tokens = [randomToken()];
        const now = Date.now();
        await emitLines(scope, id, tokens, now);
        for (const [index, other] of longer.entries()) {
          const otherToken = randomToken();
          await emitLines(scope, other, [otherToken], now + index + 1);
          await fetchAll(scope, other, [otherToken]);
        }
        expectExactly(await fetchAll(scope, id, tokens), tokens, id);
      },

      'fetchBackendLogs matches a request id with quotes and operators literally': async (scope) => {
        const base = `req-${randomToken()}`;
        await literalCase(scope, base, [`${base}-"x" OR 1=1`, `${base}-' OR '1'='1`, `${base}-\\"`]);
      },

      'fetchBackendLogs matches a request id with wildcard characters literally': async (scope) => {
        const base = `req-${randomToken()}`;
        // Each would match `<base>-other` as a glob, SQL LIKE or regular expression.
        await literalCase(scope, base, [
          `${base}-*`,
          `${base}-%`,
          `${base}-_____`,
          `${base}-.*`,
          `${base}-?????`,
        ]);
      },

      'fetchBackendLogs rejects an empty request id with ValidationError': async ({ fixture }) => {
        await expectTaskportError(
          fixture.observability.fetchBackendLogs(''),
          ValidationError,
          'fetchBackendLogs("")',
        );
      },

      'fetchBackendLogs rejects an already-aborted signal without a provider call': async (scope) => {
        const { providerCalls, observability } = scope.fixture;
        if (!providerCalls) {
          throw new Error(
            '[contract-tests] BackendObservability: this test counts provider calls, but the fixture has no `providerCalls`; add one, or disable the test with a reason',
          );
        }
        const requestId = `req-${randomToken()}`;
        const token = randomToken();
        await emitLines(scope, requestId, [token], Date.now());
        await fetchAll(scope, requestId, [token]);
        const controller = new AbortController();
        controller.abort(new Error('contract test aborted this call before it began'));
        await expectNoProviderCall(providerCalls, 'fetchBackendLogs', () =>
          observability.fetchBackendLogs(requestId, { signal: controller.signal }),
        );
      },
    },
  );
}
