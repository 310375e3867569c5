import {
  ConflictError,
  type ExecutionStatus,
  isFinalStatus,
  type LogAggregator,
  NotFoundError,
  newRequestId,
  type TaskDescription,
  type TaskStartResult,
} from '@taskport/core';
import { expect } from 'vitest';
import { type ContractTestScope, defineContractSuite, waitTimeoutMs } from './contract-suite.js';
import { expectTaskportError } from './expect-error.js';
import { randomId, randomToken } from './random-id.js';
import type { TaskExecutorFixture, TaskExecutorSuiteOptions } from './suite-options.js';
import { CONTRACT_USER, outputToken, TaskRuns } from './task-runs.js';
import { sleep, waitFor } from './wait-for.js';

/** Every test of the TaskExecutor suite, in the order they run. */
export const TASK_EXECUTOR_TESTS = [
  'startTask returns an execution id and the task is observed RUNNING',
  'a task that exits 0 ends SUCCEEDED with exitCode 0 and stopCode EXITED',
  'a task that exits non-zero ends FAILED with that exit code',
  'describeTask of a finished task keeps its status, exitCode and stoppedAt',
  'killTask on a running task ends it STOPPED with stopCode USER_INITIATED',
  'killTask on a task that is still STARTING ends it STOPPED',
  'killTask on a finished task throws ConflictError',
  'killTask on an unknown execution id throws NotFoundError',
  'describeTask on an unknown execution id throws NotFoundError',
  'timeoutSeconds stops a task that runs too long with stopCode TIMED_OUT and a reason',
  'env reaches the task',
  'startTask twice with the same idempotencyKey returns the same execution and runs one task',
  'concurrent startTask calls with the same idempotencyKey start one task',
  'an argv command runs as argv: its arguments arrive literally, without word splitting or expansion',
  'secrets reach the task environment and stay out of its description',
  'a secret passed by reference reaches the task environment as its value',
  'an already-aborted signal makes startTask, describeTask and killTask reject',
] as const;
export type TaskExecutorTestName = (typeof TASK_EXECUTOR_TESTS)[number];

/**
 * The tests that read task output through `fixture.logs` and that a fixture without it must disable.
 * Tests added later that read output skip themselves (with a note) when the fixture has no `logs`, so
 * that existing callers keep compiling; they are listed in `TASK_EXECUTOR_TESTS_READING_LOGS`.
 */
export const TASK_EXECUTOR_TESTS_NEEDING_LOGS = [
  'env reaches the task',
] as const satisfies readonly TaskExecutorTestName[];

/** Every test that reads task output through `fixture.logs` (the idempotency tests only when present). */
export const TASK_EXECUTOR_TESTS_READING_LOGS = [
  ...TASK_EXECUTOR_TESTS_NEEDING_LOGS,
  'an argv command runs as argv: its arguments arrive literally, without word splitting or expansion',
  'secrets reach the task environment and stay out of its description',
  'a secret passed by reference reaches the task environment as its value',
] as const satisfies readonly TaskExecutorTestName[];
type NeedsLogs = (typeof TASK_EXECUTOR_TESTS_NEEDING_LOGS)[number];

/**
 * Options of `describeTaskExecutorContract`. A fixture either provides `logs` (a LogAggregator that
 * reads this executor's output) or the tests that need it are disabled with a reason: the type makes
 * you choose, so no test is skipped silently.
 */
export type TaskExecutorContractOptions =
  | (TaskExecutorSuiteOptions<TaskExecutorTestName> & {
      create: () => Promise<TaskExecutorFixture & { logs: LogAggregator }>;
    })
  | (TaskExecutorSuiteOptions<TaskExecutorTestName> & {
      disable: { [Name in NeedsLogs]: string } & Partial<Record<TaskExecutorTestName, string>>;
    });

type Scope = ContractTestScope<TaskExecutorFixture>;

/**
 * The TaskExecutor contract: start, status, exit codes, kill, timeout, env and idempotent start,
 * against a fresh executor per test. Emulated backends pass a driver that plays the runtime.
 */
export function describeTaskExecutorContract(options: TaskExecutorContractOptions): void {
  const timeoutMs = waitTimeoutMs(options);
  const runs = ({ fixture, signal, defer }: Scope) =>
    new TaskRuns(fixture.executor, fixture.image, options.driver, timeoutMs, signal, defer);
  const unknownId = (fixture: TaskExecutorFixture) =>
    fixture.unknownExecutionId?.() ?? randomId('contract-unknown');

  /**
   * Starts one task several times with one idempotency key (`starts` decides how: in turn or at once)
   * and checks that every start returned the same execution and that it ran once.
   */
  const expectOneTaskPerKey = async (
    scope: Scope,
    starts: (start: () => Promise<TaskStartResult>) => Promise<TaskStartResult[]>,
  ) => {
    const tasks = runs(scope);
    const idempotencyKey = randomId('contract-key');
    const token = outputToken();
    const behaviour = { kind: 'exit', exitCode: 0, stdout: [token] } as const;
    const results = await starts(() => tasks.startOnly(behaviour, { idempotencyKey }));
    const executionId = results[0]!.executionId;
    expect(results.map((result) => result.executionId)).toEqual(results.map(() => executionId));

    // The platform runs one task, so the driver plays it once.
    await options.driver.play(executionId, behaviour);
    const final = await tasks.waitForFinal(executionId);
    expect(final.status).toBe('SUCCEEDED');

    const { logs } = scope.fixture;
    if (!logs) {
      await scope.context.annotate('fixture has no `logs`: only the execution ids were compared');
      return;
    }
    // Had a second task run under the same id, its line would show up twice.
    await waitFor(
      () => logs.fetchLogsByExecutionId(executionId),
      (found) => found.some((event) => event.message === token),
      { timeoutMs, what: `the output of task ${executionId}`, signal: scope.signal },
    );
    await sleep(500, scope.signal);
    const settled = await logs.fetchLogsByExecutionId(executionId);
    expect(settled.filter((event) => event.message === token)).toHaveLength(1);
  };

  defineContractSuite<TaskExecutorFixture, TaskExecutorTestName>(
    'TaskExecutor',
    options,
    TASK_EXECUTOR_TESTS,
    {
      'startTask returns an execution id and the task is observed RUNNING': async (scope) => {
        const tasks = runs(scope);
        const behaviour = { kind: 'sleep', seconds: 60 } as const;
        const { executionId } = await tasks.startOnly(behaviour);
        expect(typeof executionId).toBe('string');
        expect(executionId.length).toBeGreaterThan(0);

        const right = await scope.fixture.executor.describeTask(executionId);
        expect(['STARTING', 'RUNNING']).toContain(right.status);

        await options.driver.play(executionId, behaviour);
        const running = await tasks.waitForTask(executionId, (d) => d.status === 'RUNNING', 'to be RUNNING');
        expect(running.exitCode ?? null).toBeNull();
        expect(running.stoppedAt).toBeUndefined();
      },

      'a task that exits 0 ends SUCCEEDED with exitCode 0 and stopCode EXITED': async (scope) => {
        const tasks = runs(scope);
        const id = await tasks.start({ kind: 'exit', exitCode: 0, stdout: [outputToken()] });
        const final = await tasks.waitForFinal(id);
        expect(final).toMatchObject({ status: 'SUCCEEDED', exitCode: 0, stopCode: 'EXITED' });
      },

      'a task that exits non-zero ends FAILED with that exit code': async (scope) => {
        const tasks = runs(scope);
        const id = await tasks.start({ kind: 'exit', exitCode: 3, stderr: [outputToken()] });
        const final = await tasks.waitForFinal(id);
        expect(final).toMatchObject({ status: 'FAILED', exitCode: 3, stopCode: 'EXITED' });
      },

      'describeTask of a finished task keeps its status, exitCode and stoppedAt': async (scope) => {
        const tasks = runs(scope);
        const id = await tasks.start({ kind: 'exit', exitCode: 7 });
        const first = await tasks.waitForFinal(id);
        expect(first.status).toBe('FAILED');
        expect(first.exitCode).toBe(7);
        expect(isIsoTime(first.stoppedAt)).toBe(true);
        if (first.startedAt !== undefined) {
          expect(isIsoTime(first.startedAt)).toBe(true);
          expect(Date.parse(first.startedAt)).toBeLessThanOrEqual(Date.parse(first.stoppedAt!));
        }

        await sleep(300, scope.signal);
        const again = await scope.fixture.executor.describeTask(id);
        expect(again.status).toBe(first.status);
        expect(again.exitCode).toBe(7);
        expect(again.stopCode).toBe(first.stopCode);
        expect(again.stoppedAt).toBe(first.stoppedAt);
      },

      'killTask on a running task ends it STOPPED with stopCode USER_INITIATED': async (scope) => {
        const tasks = runs(scope);
        const id = await tasks.start({ kind: 'sleep', seconds: 60 });
        await tasks.waitForTask(id, (d) => d.status === 'RUNNING', 'to be RUNNING');

        await scope.fixture.executor.killTask(id);
        const seen: ExecutionStatus[] = [];
        const final = await tasks.waitForFinal(id, { settle: true, seen: (d) => seen.push(d.status) });
        expect(final.status).toBe('STOPPED');
        expect(final.stopCode).toBe('USER_INITIATED');
        expect(seen).not.toContain('SUCCEEDED');
      },

      'killTask on a task that is still STARTING ends it STOPPED': async (scope) => {
        const { executor } = scope.fixture;
        if (!executor.capabilities.killWhileStarting) {
          scope.context.skip(
            `disabled: ${executor.provider} declares capabilities.killWhileStarting = false, so killTask is only promised once the task runs`,
          );
        }
        const tasks = runs(scope);
        // No driver.play: on emulated backends the task stays STARTING, as if the image were still pulling.
        const { executionId } = await tasks.startOnly({ kind: 'sleep', seconds: 60 });
        await executor.killTask(executionId);
        const seen: ExecutionStatus[] = [];
        const final = await tasks.waitForFinal(executionId, {
          settle: true,
          seen: (d) => seen.push(d.status),
        });
        expect(final.status).toBe('STOPPED');
        expect(final.stopCode).toBe('USER_INITIATED');
        expect(seen).not.toContain('SUCCEEDED');
      },

      'killTask on a finished task throws ConflictError': async (scope) => {
        const tasks = runs(scope);
        const id = await tasks.start({ kind: 'exit', exitCode: 0 });
        await tasks.waitForFinal(id);
        await expectTaskportError(
          scope.fixture.executor.killTask(id),
          ConflictError,
          'killTask on a finished task',
        );
        const after = await scope.fixture.executor.describeTask(id);
        expect(after.status).toBe('SUCCEEDED');
      },

      'killTask on an unknown execution id throws NotFoundError': async ({ fixture }) => {
        await expectTaskportError(fixture.executor.killTask(unknownId(fixture)), NotFoundError, 'killTask');
      },

      'describeTask on an unknown execution id throws NotFoundError': async ({ fixture }) => {
        await expectTaskportError(
          fixture.executor.describeTask(unknownId(fixture)),
          NotFoundError,
          'describeTask',
        );
      },

      'timeoutSeconds stops a task that runs too long with stopCode TIMED_OUT and a reason': async (
        scope,
      ) => {
        const tasks = runs(scope);
        const startedAt = Date.now();
        const id = await tasks.start({ kind: 'sleep', seconds: 120 }, { timeoutSeconds: 1 });
        const seen: TaskDescription[] = [];
        const final = await tasks.waitForFinal(id, { settle: true, seen: (d) => seen.push(d) });
        expect(final.status).not.toBe('SUCCEEDED');
        expect(isFinalStatus(final.status)).toBe(true);
        expect(final.stopCode).toBe('TIMED_OUT');
        expect(typeof final.reason).toBe('string');
        expect(final.reason!.trim().length).toBeGreaterThan(0);
        // It was stopped by the deadline, not by running to its end.
        expect(Date.now() - startedAt).toBeLessThan(120_000);
        expect(seen.map((d) => d.status)).not.toContain('SUCCEEDED');
      },

      'env reaches the task': async (scope) => {
        const logs = requireLogs(scope.fixture);
        const tasks = runs(scope);
        const env = {
          CONTRACT_PLAIN: `value-${randomToken()}`,
          // Quotes, $, ;, backticks and = must arrive as data, never be interpreted by a shell template.
          CONTRACT_TRICKY: `it's "quoted" $HOME; \`id\` a=b ${randomToken()}`,
        };
        const id = await tasks.start({ kind: 'printEnv', names: Object.keys(env) }, { env });
        const final = await tasks.waitForFinal(id);
        expect(final.status).toBe('SUCCEEDED');
        const expected = Object.entries(env).map(([name, value]) => `${name}=${value}`);
        const events = await waitFor(
          () => logs.fetchLogsByExecutionId(id),
          (found) => expected.every((line) => found.some((event) => event.message === line)),
          { timeoutMs, what: `the env lines of task ${id} in its logs`, signal: scope.signal },
        );
        expect(events.map((event) => event.message)).toEqual(expected);
      },

      'startTask twice with the same idempotencyKey returns the same execution and runs one task': async (
        scope,
      ) => {
        await expectOneTaskPerKey(scope, async (start) => [await start(), await start()]);
      },

      'concurrent startTask calls with the same idempotencyKey start one task': async (scope) => {
        // A retry sent while the first attempt is still in flight (a client-side timeout).
        await expectOneTaskPerKey(scope, (start) => Promise.all([start(), start(), start()]));
      },

      'an argv command runs as argv: its arguments arrive literally, without word splitting or expansion':
        async (scope) => {
          const logs = logsOrSkip(scope);
          const tasks = runs(scope);
          // Under a shell `a b` would split, `$HOME` and `*` expand, `it's` not parse, and `$(id)`,
          // the backticks and `;` run commands.
          const args = ['a b', '$HOME', '*', "it's", '$(id)', '`id`', '; echo injected', outputToken()];
          const id = await tasks.start({ kind: 'printArgs', args });
          const final = await tasks.waitForFinal(id);
          expect(final, `the argv task should exit 0 (reason: ${final.reason})`).toMatchObject({
            status: 'SUCCEEDED',
            exitCode: 0,
          });
          const events = await waitFor(
            () => logs.fetchLogsByExecutionId(id),
            (found) => found.length >= args.length,
            { timeoutMs, what: `the ${args.length} argument lines of task ${id}`, signal: scope.signal },
          );
          expect(events.map((event) => event.message)).toEqual(args);
        },

      'secrets reach the task environment and stay out of its description': async (scope) => {
        const logs = logsOrSkip(scope);
        const tasks = runs(scope);
        const env = { CONTRACT_PLAIN: `plain-${randomToken()}` };
        const secrets = { CONTRACT_SECRET: `secret-${randomToken()} it's $HOME; \`id\`` };
        const behaviour = { kind: 'printEnv', names: ['CONTRACT_PLAIN', 'CONTRACT_SECRET'] } as const;
        const { executionId: id, ...start } = await tasks.startOnly(behaviour, { env, secrets });
        await options.driver.play(id, behaviour);
        const final = await tasks.waitForFinal(id);
        expect(final.status).toBe('SUCCEEDED');
        const expected = [
          `CONTRACT_PLAIN=${env.CONTRACT_PLAIN}`,
          `CONTRACT_SECRET=${secrets.CONTRACT_SECRET}`,
        ];
        const events = await waitFor(
          () => logs.fetchLogsByExecutionId(id),
          (found) => expected.every((line) => found.some((event) => event.message === line)),
          { timeoutMs, what: `the env and secret lines of task ${id} in its logs`, signal: scope.signal },
        );
        expect(events.map((event) => event.message)).toEqual(expected);
        // The task may print its secret; taskport itself must not hand it back anywhere.
        for (const [what, value] of [
          ['the start result', start],
          ['describeTask', final],
          ['describeTask again', await scope.fixture.executor.describeTask(id)],
        ] as const) {
          expect(JSON.stringify(value), `${what} must not contain the secret value`).not.toContain(
            secrets.CONTRACT_SECRET,
          );
        }
      },

      'a secret passed by reference reaches the task environment as its value': async (scope) => {
        const { secretReference } = scope.fixture;
        if (!secretReference) {
          scope.context.skip(
            'disabled: the fixture has no `secretReference` (a platform without a secret store takes secrets as plain values only)',
          );
        }
        const logs = logsOrSkip(scope);
        const tasks = runs(scope);
        const value = `by-reference-${randomToken()}`;
        const reference = await secretReference!(value);
        const id = await tasks.start(
          { kind: 'printEnv', names: ['CONTRACT_SECRET_REF'] },
          { secrets: { CONTRACT_SECRET_REF: reference } },
        );
        const final = await tasks.waitForFinal(id);
        expect(final.status).toBe('SUCCEEDED');
        const events = await waitFor(
          () => logs.fetchLogsByExecutionId(id),
          (found) => found.length > 0,
          { timeoutMs, what: `the secret line of task ${id} in its logs`, signal: scope.signal },
        );
        // The platform resolved the reference: the task sees the value, not the reference.
        expect(events.map((event) => event.message)).toEqual([`CONTRACT_SECRET_REF=${value}`]);
      },

      'an already-aborted signal makes startTask, describeTask and killTask reject': async (scope) => {
        const { executor } = scope.fixture;
        const tasks = runs(scope);
        const id = await tasks.start({ kind: 'sleep', seconds: 60 });
        await tasks.waitForTask(id, (d) => d.status === 'RUNNING', 'to be RUNNING');

        const controller = new AbortController();
        controller.abort(new Error('contract test aborted this call before it began'));
        const aborted = { signal: controller.signal };
        const request = {
          command: 'true',
          image: scope.fixture.image,
          env: {},
          secrets: {},
          labels: {},
          requestId: newRequestId(),
        };
        const started = executor.startTask(CONTRACT_USER, request, aborted);
        // Should the start go through after all, that task is stopped after the test like any other.
        started.then(
          ({ executionId }) => scope.defer(() => executor.killTask(executionId)),
          () => {},
        );
        await expectRejects(started, 'startTask');
        await expectRejects(executor.describeTask(id, aborted), 'describeTask');
        await expectRejects(executor.killTask(id, aborted), 'killTask');
        // The aborted kill was not carried out.
        await options.driver.settle?.(id);
        expect((await executor.describeTask(id)).status).toBe('RUNNING');
      },
    },
  );
}

/** `fixture.logs`, or skips the test (with the reason) when the fixture has none. */
function logsOrSkip(scope: Scope): LogAggregator {
  if (!scope.fixture.logs) {
    scope.context.skip(
      "disabled: the fixture has no `logs`, and this test must read the task's output. Give the fixture a LogAggregator that reads this executor's output.",
    );
  }
  return scope.fixture.logs!;
}

/** Asserts that `action` rejects (with any error): it must not carry out the call. */
async function expectRejects(action: Promise<unknown>, what: string): Promise<void> {
  let outcome: { resolved: unknown } | { rejected: unknown };
  try {
    outcome = { resolved: await action };
  } catch (error) {
    outcome = { rejected: error };
  }
  expect('rejected' in outcome, `${what} with an already-aborted signal should reject`).toBe(true);
}

function requireLogs(fixture: TaskExecutorFixture): LogAggregator {
  if (!fixture.logs) {
    throw new Error(
      "[contract-tests] TaskExecutor: this test reads task output, but the fixture has no `logs`. Give the fixture a LogAggregator that reads this executor's output, or disable the test with a reason.",
    );
  }
  return fixture.logs;
}

function isIsoTime(value: string | undefined): boolean {
  return typeof value === 'string' && !Number.isNaN(Date.parse(value));
}
