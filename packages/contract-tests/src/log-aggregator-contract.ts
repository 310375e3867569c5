import { type ExecutionStatus, isFinalStatus, type LogEvent } from '@taskport/core';
import { expect } from 'vitest';
import { type ContractTestScope, defineContractSuite, waitTimeoutMs } from './contract-suite.js';
import { expectNoProviderCall } from './expect-no-provider-call.js';
import { randomId } from './random-id.js';
import type { LogAggregatorFixture, LogAggregatorSuiteOptions, RequiresOrDisables } from './suite-options.js';
import { outputToken, TaskRuns } from './task-runs.js';
import { waitFor } from './wait-for.js';

/** Every test of the LogAggregator suite, in the order they run. */
export const LOG_AGGREGATOR_TESTS = [
  'fetchLogsByExecutionId returns stdout and stderr complete and in order',
  'fetchLogsByExecutionId returns [] for a task that printed nothing',
  'fetchLogsByExecutionId returns [] for an execution id that never started',
  'fetchLogsByExecutionId returns [] for a task that has not started running',
  'identical lines are kept as separate events with distinct eventIds',
  'streamLogs without follow yields the same events as fetchLogsByExecutionId',
  'streamLogs without follow yields nothing for an execution id that never started',
  'streamLogs with follow yields lines as they appear and ends when the task ends',
  'streamLogs with follow repeats no event even when lines are identical',
  'streamLogs with follow on a finished task yields all its lines and ends',
  'streamLogs with since skips earlier events',
  'streamLogs ends when its signal is aborted',
  'fetchLogsByExecutionId and streamLogs reject when their signal is already aborted',
] as const;
export type LogAggregatorTestName = (typeof LOG_AGGREGATOR_TESTS)[number];

/** The tests that need `fixture.providerCalls` (or must be disabled). */
export const LOG_AGGREGATOR_TESTS_NEEDING_PROVIDER_CALLS = [
  'fetchLogsByExecutionId and streamLogs reject when their signal is already aborted',
] as const satisfies readonly LogAggregatorTestName[];

export type LogAggregatorContractOptions = LogAggregatorSuiteOptions<LogAggregatorTestName> &
  RequiresOrDisables<
    LogAggregatorFixture,
    'providerCalls',
    (typeof LOG_AGGREGATOR_TESTS_NEEDING_PROVIDER_CALLS)[number],
    LogAggregatorTestName
  >;

type Scope = ContractTestScope<LogAggregatorFixture>;

/** How often following streams poll in these tests: fast, so tests are quick, and it stresses de-duplication. */
const POLL_MS = 100;

/**
 * The LogAggregator contract: complete, ordered, de-duplicated output of real (or driver-played) tasks,
 * by fetch and by stream, with follow, resume (`since`) and abort, against a fresh adapter per test.
 */
export function describeLogAggregatorContract(options: LogAggregatorContractOptions): void {
  const timeoutMs = waitTimeoutMs(options);
  const runs = ({ fixture, signal, defer }: Scope) =>
    new TaskRuns(fixture.executor, fixture.image, options.driver, timeoutMs, signal, defer);
  const unknownId = (fixture: LogAggregatorFixture) =>
    fixture.unknownExecutionId?.() ?? randomId('contract-unknown');

  /** Waits until the logs hold at least `count` events (log pipelines may lag behind the task). */
  const fetchAtLeast = (scope: Scope, executionId: string, count: number) =>
    waitFor(
      () => scope.fixture.logs.fetchLogsByExecutionId(executionId),
      (events) => events.length >= count,
      { timeoutMs, what: `${count} log events of task ${executionId}`, signal: scope.signal },
    );

  /** Runs a task to its end, waits for its `count` lines and returns them. */
  const finishedTaskWithLines = async (scope: Scope, lines: string[], intervalMs = 0) => {
    const tasks = runs(scope);
    const id = await tasks.start(
      intervalMs > 0
        ? { kind: 'slowLines', lines, intervalMs }
        : { kind: 'exit', exitCode: 0, stdout: lines },
    );
    await tasks.waitForFinal(id);
    const events = await fetchAtLeast(scope, id, lines.length);
    return { id, tasks, events };
  };

  defineContractSuite<LogAggregatorFixture, LogAggregatorTestName>(
    'LogAggregator',
    options,
    LOG_AGGREGATOR_TESTS,
    {
      'fetchLogsByExecutionId returns stdout and stderr complete and in order': async (scope) => {
        const token = outputToken();
        const stdout = [1, 2, 3, 4, 5].map((n) => `out ${n} ${token}`);
        const stderr = [1, 2, 3].map((n) => `err ${n} ${token}`);
        const tasks = runs(scope);
        const id = await tasks.start({ kind: 'exit', exitCode: 0, stdout, stderr });
        await tasks.waitForFinal(id);
        const events = await fetchAtLeast(scope, id, stdout.length + stderr.length);

        const messages = events.map((event) => event.message);
        expect([...messages].sort()).toEqual([...stdout, ...stderr].sort());
        expectWellFormed(events);
        expect(messages.filter((message) => stdout.includes(message))).toEqual(stdout);
        expect(messages.filter((message) => stderr.includes(message))).toEqual(stderr);
        if (events.some((event) => event.stream !== undefined)) {
          for (const event of events) {
            expect(event.stream, event.message).toBe(stdout.includes(event.message) ? 'stdout' : 'stderr');
          }
        }
      },

      'fetchLogsByExecutionId returns [] for a task that printed nothing': async (scope) => {
        const tasks = runs(scope);
        const id = await tasks.start({ kind: 'exit', exitCode: 0 });
        await tasks.waitForFinal(id);
        expect(await scope.fixture.logs.fetchLogsByExecutionId(id)).toEqual([]);
      },

      'fetchLogsByExecutionId returns [] for an execution id that never started': async ({ fixture }) => {
        expect(await fixture.logs.fetchLogsByExecutionId(unknownId(fixture))).toEqual([]);
      },

      'fetchLogsByExecutionId returns [] for a task that has not started running': async (scope) => {
        // No driver.play: on emulated backends the task stays STARTING and its log stream does not
        // exist yet (CloudWatch answers ResourceNotFound, which must not surface as an error).
        const tasks = runs(scope);
        const { executionId } = await tasks.startOnly({ kind: 'sleep', seconds: 60 });
        expect(await scope.fixture.logs.fetchLogsByExecutionId(executionId)).toEqual([]);
        expect(await collect(scope.fixture.logs.streamLogs(executionId, { signal: scope.signal }))).toEqual(
          [],
        );
      },

      'identical lines are kept as separate events with distinct eventIds': async (scope) => {
        const line = `same ${outputToken()}`;
        const { events } = await finishedTaskWithLines(scope, [line, line, line]);
        expect(events.map((event) => event.message)).toEqual([line, line, line]);
        expect(new Set(events.map((event) => event.eventId)).size).toBe(3);
      },

      'streamLogs without follow yields the same events as fetchLogsByExecutionId': async (scope) => {
        const token = outputToken();
        // Enough to cross small page sizes, small enough for a platform's command-override limit (ECS: 8 KiB).
        const lines = Array.from({ length: 100 }, (_, n) => `l${n} ${token}`);
        const { id, events } = await finishedTaskWithLines(scope, lines);
        const streamed = await collect(scope.fixture.logs.streamLogs(id, { signal: scope.signal }));
        expect(streamed).toEqual(events);
        expect(streamed.map((event) => event.message)).toEqual(lines);
      },

      'streamLogs without follow yields nothing for an execution id that never started': async ({
        fixture,
        signal,
      }) => {
        expect(await collect(fixture.logs.streamLogs(unknownId(fixture), { signal }))).toEqual([]);
      },

      'streamLogs with follow yields lines as they appear and ends when the task ends': async (scope) => {
        const token = outputToken();
        const lines = Array.from({ length: 6 }, (_, n) => `slow ${n} ${token}`);
        const tasks = runs(scope);
        const { executionId: id, played } = await tasks.startWhilePlaying({
          kind: 'slowLines',
          lines,
          intervalMs: 500,
        });

        let statusAtFirstLine: ExecutionStatus | undefined;
        const { events, endedByItself } = await follow(scope, id, tasks, async (event, received) => {
          if (received === 1) {
            statusAtFirstLine = (await scope.fixture.executor.describeTask(id)).status;
            expect(event.message).toBe(lines[0]);
          }
        });
        expect(endedByItself, 'the following stream should end by itself once the task has ended').toBe(true);
        expect(statusAtFirstLine, 'the first line should arrive while the task still runs').toBeDefined();
        expect(
          isFinalStatus(statusAtFirstLine!),
          `status ${statusAtFirstLine} when the first line arrived`,
        ).toBe(false);
        expect(events.map((event) => event.message)).toEqual(lines);
        expect(new Set(events.map((event) => event.eventId)).size).toBe(lines.length);
        expectWellFormed(events);
        expect(await tasks.isDone(id)).toBe(true);
        await played;
      },

      'streamLogs with follow repeats no event even when lines are identical': async (scope) => {
        const line = `again ${outputToken()}`;
        const lines = [line, line, line, line];
        const tasks = runs(scope);
        const { executionId: id, played } = await tasks.startWhilePlaying({
          kind: 'slowLines',
          lines,
          intervalMs: 250,
        });
        const { events, endedByItself } = await follow(scope, id, tasks);
        await played;
        expect(endedByItself).toBe(true);
        expect(events.map((event) => event.message)).toEqual(lines);
        expect(new Set(events.map((event) => event.eventId)).size).toBe(lines.length);
      },

      'streamLogs with follow on a finished task yields all its lines and ends': async (scope) => {
        const token = outputToken();
        const lines = Array.from({ length: 5 }, (_, n) => `done ${n} ${token}`);
        const { id, tasks, events } = await finishedTaskWithLines(scope, lines);
        const followed = await follow(scope, id, tasks);
        expect(followed.endedByItself).toBe(true);
        expect(followed.events).toEqual(events);
      },

      'streamLogs with since skips earlier events': async (scope) => {
        const token = outputToken();
        const lines = Array.from({ length: 4 }, (_, n) => `since ${n} ${token}`);
        const { id, events } = await finishedTaskWithLines(scope, lines, 300);
        const cutoff = events[2]!.timestamp;
        // Lines were printed 300 ms apart, so their timestamps must tell them apart.
        expect(events[1]!.timestamp).toBeLessThan(cutoff);
        const resumed = await collect(
          scope.fixture.logs.streamLogs(id, { since: cutoff, signal: scope.signal }),
        );
        expect(resumed).toEqual(events.filter((event) => event.timestamp >= cutoff));
        expect(resumed.map((event) => event.message)).toEqual(lines.slice(2));
      },

      'streamLogs ends when its signal is aborted': async (scope) => {
        const token = outputToken();
        const lines = Array.from({ length: 40 }, (_, n) => `abort ${n} ${token}`);
        const tasks = runs(scope);
        const { executionId: id } = await tasks.startWhilePlaying({
          kind: 'slowLines',
          lines,
          intervalMs: 250,
        });

        const controller = new AbortController();
        const reason = new Error('contract test aborts the stream');
        const received: LogEvent[] = [];
        let abortedAt = 0;
        const consume = (async () => {
          for await (const event of scope.fixture.logs.streamLogs(id, {
            follow: true,
            signal: controller.signal,
            isTaskDone: () => tasks.isDone(id),
            pollIntervalMs: POLL_MS,
          })) {
            received.push(event);
            if (received.length === 1) {
              abortedAt = Date.now();
              controller.abort(reason);
            }
          }
        })().then(
          () => ({ ended: 'returned' as const }),
          (error: unknown) => ({ ended: 'threw' as const, error }),
        );
        const outcome = await Promise.race([consume, timeout(timeoutMs, scope.signal)]);
        expect(outcome.ended, 'the stream should end after its signal aborts').not.toBe('timeout');
        expect(Date.now() - abortedAt).toBeLessThan(5_000);
        if (outcome.ended === 'threw') {
          const error = outcome.error;
          expect(
            error === reason || (error instanceof Error && error.name === 'AbortError'),
            String(error),
          ).toBe(true);
        }
        expect(received.length).toBeGreaterThanOrEqual(1);
        expect(received.length).toBeLessThan(lines.length);
        expect(await tasks.isDone(id)).toBe(false);
      },

      'fetchLogsByExecutionId and streamLogs reject when their signal is already aborted': async (scope) => {
        const lines = [1, 2, 3].map((n) => `pre-aborted ${n} ${outputToken()}`);
        const { id } = await finishedTaskWithLines(scope, lines);
        const controller = new AbortController();
        controller.abort(new Error('contract test aborted this call before it began'));
        const { logs, providerCalls } = scope.fixture;
        if (!providerCalls) {
          throw new Error(
            '[contract-tests] LogAggregator: this test counts provider calls, but the fixture has no `providerCalls`; add one, or disable the test with a reason',
          );
        }
        await expectNoProviderCall(providerCalls, 'fetchLogsByExecutionId', () =>
          logs.fetchLogsByExecutionId(id, { signal: controller.signal }),
        );
        for (const follow of [false, true]) {
          const received: LogEvent[] = [];
          await expectNoProviderCall(providerCalls, `streamLogs (follow: ${follow})`, async () => {
            for await (const event of logs.streamLogs(id, {
              follow,
              signal: controller.signal,
              isTaskDone: async () => true,
            }))
              received.push(event);
          });
          expect(received, `streamLogs (follow: ${follow}) should yield nothing`).toEqual([]);
        }
      },
    },
  );

  /**
   * Follows a task's logs to the end, with `isTaskDone` backed by the executor (as the Service does).
   * A guard aborts the stream if it does not end by itself within the wait timeout.
   */
  async function follow(
    scope: Scope,
    executionId: string,
    tasks: TaskRuns,
    onEvent?: (event: LogEvent, received: number) => Promise<void>,
  ): Promise<{ events: LogEvent[]; endedByItself: boolean }> {
    const guard = AbortSignal.timeout(timeoutMs);
    const events: LogEvent[] = [];
    try {
      for await (const event of scope.fixture.logs.streamLogs(executionId, {
        follow: true,
        signal: AbortSignal.any([guard, scope.signal]),
        isTaskDone: () => tasks.isDone(executionId),
        pollIntervalMs: POLL_MS,
      })) {
        events.push(event);
        await onEvent?.(event, events.length);
      }
    } catch (error) {
      if (!guard.aborted) throw error;
    }
    return { events, endedByItself: !guard.aborted };
  }
}

async function collect(events: AsyncIterable<LogEvent>): Promise<LogEvent[]> {
  const all: LogEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

function timeout(ms: number, signal: AbortSignal): Promise<{ ended: 'timeout' }> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ ended: 'timeout' }), ms);
    signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  });
}

/** Every event has a sane timestamp, a non-empty eventId and no trailing newline; order is by time; no repeats. */
function expectWellFormed(events: readonly LogEvent[]): void {
  let previous = Number.NEGATIVE_INFINITY;
  for (const event of events) {
    expect(Number.isFinite(event.timestamp), `timestamp of ${event.message}`).toBe(true);
    // Unix ms, not seconds or nanoseconds: within a day of now.
    expect(Math.abs(event.timestamp - Date.now())).toBeLessThan(86_400_000);
    expect(event.timestamp, 'timestamps must not decrease').toBeGreaterThanOrEqual(previous);
    previous = event.timestamp;
    expect(typeof event.eventId).toBe('string');
    expect(event.eventId.length).toBeGreaterThan(0);
    expect(event.message.endsWith('\n')).toBe(false);
  }
  expect(new Set(events.map((event) => event.eventId)).size).toBe(events.length);
}
