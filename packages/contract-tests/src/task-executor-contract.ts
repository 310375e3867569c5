import {
  ConflictError,
  type ExecutionStatus,
  isFinalStatus,
  type LogAggregator,
  type LogEvent,
  NotFoundError,
  newRequestId,
  type TaskDescription,
  type TaskStartResult,
  ValidationError,
} from '@taskport/core';
import { expect } from 'vitest';
import type { ContractDriver } from './contract-driver.js';
import { type ContractTestScope, defineContractSuite, waitTimeoutMs } from './contract-suite.js';
import { expectTaskportError } from './expect-error.js';
import { expectNoProviderCall } from './expect-no-provider-call.js';
import { randomId, randomToken } from './random-id.js';
import { serviceOver } from './service-harness.js';
import type { RequiresOrDisables, TaskExecutorFixture, TaskExecutorSuiteOptions } from './suite-options.js';
import { commandFor } from './task-behaviour.js';
import { CONTRACT_USER, OTHER_CONTRACT_USER, outputToken, TaskRuns } from './task-runs.js';
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
  'the same idempotencyKey from two users starts two tasks',
  'the same idempotencyKey with a different request never returns the first task',
  'a task the provider has forgotten is NotFound, and the Service records it FAILED with RUNTIME_LOST and ends its log stream',
  'workingDir starts the command in that directory, or is a ValidationError where the executor cannot set one',
  'an interactive task reads what attachStdin sends, and a task that is not interactive reads an empty stdin',
  'killTask with stopSignal sends that signal first, or is a ValidationError where the executor cannot choose it',
  'killTask with gracePeriodSeconds 0 sends SIGKILL at once, or is a ValidationError where the executor cannot choose it',
  'killTask with a grace period lets a task that handles SIGTERM run until the grace ends, then kills it',
] as const;
export type TaskExecutorTestName = (typeof TASK_EXECUTOR_TESTS)[number];

/**
 * The tests that read task output through `fixture.logs`: a fixture without `logs` must disable each of
 * them by name with a reason (the options type requires it). None of them skips itself.
 */
export const TASK_EXECUTOR_TESTS_NEEDING_LOGS = [
  'env reaches the task',
  'startTask twice with the same idempotencyKey returns the same execution and runs one task',
  'concurrent startTask calls with the same idempotencyKey start one task',
  'an argv command runs as argv: its arguments arrive literally, without word splitting or expansion',
  'secrets reach the task environment and stay out of its description',
  'a secret passed by reference reaches the task environment as its value',
  'a task the provider has forgotten is NotFound, and the Service records it FAILED with RUNTIME_LOST and ends its log stream',
  'workingDir starts the command in that directory, or is a ValidationError where the executor cannot set one',
  'an interactive task reads what attachStdin sends, and a task that is not interactive reads an empty stdin',
  'killTask with stopSignal sends that signal first, or is a ValidationError where the executor cannot choose it',
  'killTask with gracePeriodSeconds 0 sends SIGKILL at once, or is a ValidationError where the executor cannot choose it',
  'killTask with a grace period lets a task that handles SIGTERM run until the grace ends, then kills it',
] as const satisfies readonly TaskExecutorTestName[];

/** @deprecated Every test that reads logs now needs them: the same list as `TASK_EXECUTOR_TESTS_NEEDING_LOGS`. */
export const TASK_EXECUTOR_TESTS_READING_LOGS = TASK_EXECUTOR_TESTS_NEEDING_LOGS;

/** The tests that need `fixture.secretReference` (or must be disabled). */
export const TASK_EXECUTOR_TESTS_NEEDING_SECRET_REFERENCE = [
  'a secret passed by reference reaches the task environment as its value',
] as const satisfies readonly TaskExecutorTestName[];

/** The tests that need `fixture.providerCalls` (or must be disabled). */
export const TASK_EXECUTOR_TESTS_NEEDING_PROVIDER_CALLS = [
  'an already-aborted signal makes startTask, describeTask and killTask reject',
] as const satisfies readonly TaskExecutorTestName[];

/** The tests that need `driver.forget` (or must be disabled). */
export const TASK_EXECUTOR_TESTS_NEEDING_FORGET = [
  'a task the provider has forgotten is NotFound, and the Service records it FAILED with RUNTIME_LOST and ends its log stream',
] as const satisfies readonly TaskExecutorTestName[];

type Names<List extends readonly TaskExecutorTestName[]> = List[number];

/**
 * Options of `describeTaskExecutorContract`. For each optional part a test needs - the fixture's `logs`,
 * `secretReference` and `providerCalls`, the driver's `forget` - either it is there or each test that
 * needs it is disabled by name with a reason: the type makes you choose, so no test skips silently.
 */
export type TaskExecutorContractOptions = TaskExecutorSuiteOptions<TaskExecutorTestName> &
  RequiresOrDisables<
    TaskExecutorFixture,
    'logs',
    Names<typeof TASK_EXECUTOR_TESTS_NEEDING_LOGS>,
    TaskExecutorTestName
  > &
  RequiresOrDisables<
    TaskExecutorFixture,
    'secretReference',
    Names<typeof TASK_EXECUTOR_TESTS_NEEDING_SECRET_REFERENCE>,
    TaskExecutorTestName
  > &
  RequiresOrDisables<
    TaskExecutorFixture,
    'providerCalls',
    Names<typeof TASK_EXECUTOR_TESTS_NEEDING_PROVIDER_CALLS>,
    TaskExecutorTestName
  > &
  (
    | { driver: ContractDriver & { forget: NonNullable<ContractDriver['forget']> } }
    | {
        disable: { [Name in Names<typeof TASK_EXECUTOR_TESTS_NEEDING_FORGET>]: string } & Partial<
          Record<TaskExecutorTestName, string>
        >;
      }
  );

/** How much earlier than its deadline a platform's clock may say a timed-out task stopped. */
const CLOCK_TOLERANCE_MS = 500;

type Scope = ContractTestScope<TaskExecutorFixture>;

/**
 * The TaskExecutor contract: start, status, exit codes, kill, timeout, env and idempotent start,
 * against a fresh executor per test. Emulated backends pass a driver that plays the runtime.
 */
export function describeTaskExecutorContract(options: TaskExecutorContractOptions): void {
  const timeoutMs = waitTimeoutMs(options);
  const timeoutSlackMs = options.timeoutSlackMs ?? 5_000;
  const earliestMs = CLOCK_TOLERANCE_MS + (options.timestampPrecisionMs ?? 0);
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
    const logs = requireLogs(scope.fixture);
    const results = await starts(() => tasks.startOnly(behaviour, { idempotencyKey }));
    const executionId = results[0]!.executionId;
    expect(results.map((result) => result.executionId)).toEqual(results.map(() => executionId));

    // The platform runs one task, so the driver plays it once.
    await options.driver.play(executionId, behaviour);
    const final = await tasks.waitForFinal(executionId);
    expect(final.status).toBe('SUCCEEDED');

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
          // Skips go through `disable` only, where the report shows them with their reason.
          throw new Error(
            `[contract-tests] TaskExecutor: ${executor.provider} declares capabilities.killWhileStarting = false; disable "killTask on a task that is still STARTING ends it STOPPED" with that reason`,
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
        const timeoutSeconds = 1;
        const requestedAt = Date.now();
        const id = await tasks.start({ kind: 'sleep', seconds: 120 }, { timeoutSeconds });
        const seen: TaskDescription[] = [];
        const final = await tasks.waitForFinal(id, { settle: true, seen: (d) => seen.push(d) });
        expect(final.status).not.toBe('SUCCEEDED');
        expect(isFinalStatus(final.status)).toBe(true);
        expect(final.stopCode).toBe('TIMED_OUT');
        expect(typeof final.reason).toBe('string');
        expect(final.reason!.trim().length).toBeGreaterThan(0);
        expect(seen.map((d) => d.status)).not.toContain('SUCCEEDED');
        // Stopped by the deadline: not later than the timeout plus the stated slack, and not before it.
        expect(isIsoTime(final.stoppedAt), `stoppedAt of a timed-out task: ${final.stoppedAt}`).toBe(true);
        const stoppedAt = Date.parse(final.stoppedAt!);
        const startedAt = final.startedAt !== undefined ? Date.parse(final.startedAt) : requestedAt;
        expect(
          stoppedAt - startedAt,
          `ran ${stoppedAt - startedAt} ms; timeout ${timeoutSeconds * 1000} ms + slack ${timeoutSlackMs} ms (timeoutSlackMs)`,
        ).toBeLessThanOrEqual(timeoutSeconds * 1000 + timeoutSlackMs);
        expect(
          stoppedAt - requestedAt,
          `stopped ${stoppedAt - requestedAt} ms after the start was requested, before its ${timeoutSeconds} s deadline`,
        ).toBeGreaterThanOrEqual(timeoutSeconds * 1000 - earliestMs);
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
          const logs = requireLogs(scope.fixture);
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
        const logs = requireLogs(scope.fixture);
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
          throw new Error(
            '[contract-tests] TaskExecutor: this test needs `fixture.secretReference`; give the fixture one, or disable the test with a reason (a platform without a secret store takes secrets as plain values only)',
          );
        }
        const logs = requireLogs(scope.fixture);
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
        const calls = requireProviderCalls(scope.fixture);
        await expectNoProviderCall(calls, 'startTask', () => {
          const started = executor.startTask(CONTRACT_USER, request, aborted);
          // Should the start go through after all, that task is stopped after the test like any other.
          started.then(
            ({ executionId }) => scope.defer(() => executor.killTask(executionId)),
            () => {},
          );
          return started;
        });
        await expectNoProviderCall(calls, 'describeTask', () => executor.describeTask(id, aborted));
        await expectNoProviderCall(calls, 'killTask', () => executor.killTask(id, aborted));
        // The aborted kill was not carried out.
        await options.driver.settle?.(id);
        expect((await executor.describeTask(id)).status).toBe('RUNNING');
      },

      'the same idempotencyKey from two users starts two tasks': async (scope) => {
        const tasks = runs(scope);
        const idempotencyKey = randomId('contract-key');
        const behaviour = { kind: 'exit', exitCode: 0, stdout: [outputToken()] } as const;
        const mine = await tasks.startOnly(behaviour, { idempotencyKey });
        const theirs = await tasks.startOnly(behaviour, { idempotencyKey, userEmail: OTHER_CONTRACT_USER });
        expect(theirs.executionId, "another user's key is another key").not.toBe(mine.executionId);
        for (const id of [mine.executionId, theirs.executionId]) {
          await options.driver.play(id, behaviour);
          expect((await tasks.waitForFinal(id)).status).toBe('SUCCEEDED');
        }
      },

      'the same idempotencyKey with a different request never returns the first task': async (scope) => {
        const tasks = runs(scope);
        const idempotencyKey = randomId('contract-key');
        const first = { kind: 'exit', exitCode: 0, stdout: [outputToken()] } as const;
        const other = { kind: 'exit', exitCode: 3, stdout: [outputToken()] } as const;
        const a = await tasks.startOnly(first, { idempotencyKey });
        // A key stands for one request: a start that asks for something else must not get the first
        // task back (the Service turns this into a ConflictError before it gets here).
        const b = await tasks.startOnly(other, { idempotencyKey });
        expect(b.executionId).not.toBe(a.executionId);
        await options.driver.play(a.executionId, first);
        await options.driver.play(b.executionId, other);
        expect((await tasks.waitForFinal(a.executionId)).exitCode).toBe(0);
        expect((await tasks.waitForFinal(b.executionId)).exitCode).toBe(3);
      },

      'a task the provider has forgotten is NotFound, and the Service records it FAILED with RUNTIME_LOST and ends its log stream':
        async (scope) => {
          const { forget } = options.driver;
          if (!forget) {
            throw new Error(
              '[contract-tests] TaskExecutor: this test needs `driver.forget`; add it, or disable the test with a reason',
            );
          }
          const { executor, image } = scope.fixture;
          const logs = requireLogs(scope.fixture);
          const service = serviceOver({ executor, image, logs });
          const behaviour = { kind: 'sleep', seconds: 60 } as const;
          const { execution } = await service.runCommand(
            CONTRACT_USER,
            { command: commandFor(behaviour), image: image.imageId },
            { signal: scope.signal },
          );
          const id = execution.executionId;
          scope.defer(() => executor.killTask(id));
          await options.driver.play(id, behaviour);
          await waitFor(
            () => service.getExecutionStatus(id),
            (record) => record.status === 'RUNNING',
            { timeoutMs, what: `execution ${id} to be RUNNING`, signal: scope.signal },
          );

          // `logs --follow` and `run` wait on this: they must end once the task is gone.
          const guard = AbortSignal.timeout(timeoutMs);
          const followed: LogEvent[] = [];
          const following = (async () => {
            for await (const event of service.streamLogs(id, {
              follow: true,
              pollIntervalMs: 100,
              signal: AbortSignal.any([guard, scope.signal]),
            })) {
              followed.push(event);
            }
          })();
          await sleep(300, scope.signal);
          await forget(id);
          await expectTaskportError(
            executor.describeTask(id),
            NotFoundError,
            'describeTask of a forgotten task',
          );
          await following.catch((error: unknown) => {
            if (!guard.aborted) throw error;
          });
          expect(guard.aborted, 'the following stream should end once the task is lost').toBe(false);

          const record = await service.getExecutionStatus(id);
          expect(record).toMatchObject({ status: 'FAILED', stopCode: 'RUNTIME_LOST', exitCode: null });
          expect(record.reason ?? '').not.toBe('');
          expect(isIsoTime(record.completedAt)).toBe(true);
          expect(followed).toEqual([]);
        },

      'workingDir starts the command in that directory, or is a ValidationError where the executor cannot set one':
        async (scope) => {
          const { executor } = scope.fixture;
          const tasks = runs(scope);
          const workingDir = options.existingDirectory ?? '/usr';
          if (!executor.capabilities.workingDir) {
            await expectUnsupported(scope, 'workingDir', 'startTask with a workingDir', () =>
              tasks.startOnly({ kind: 'printWorkingDir' }, { workingDir }),
            );
            return;
          }
          const logs = requireLogs(scope.fixture);
          const id = await tasks.start({ kind: 'printWorkingDir' }, { workingDir });
          expect((await tasks.waitForFinal(id)).status).toBe('SUCCEEDED');
          const events = await waitFor(
            () => logs.fetchLogsByExecutionId(id),
            (found) => found.length > 0,
            { timeoutMs, what: `the pwd line of task ${id}`, signal: scope.signal },
          );
          expect(events.map((event) => event.message)).toEqual([workingDir]);
        },

      'an interactive task reads what attachStdin sends, and a task that is not interactive reads an empty stdin':
        async (scope) => {
          const { executor } = scope.fixture;
          const tasks = runs(scope);
          const after = outputToken();
          if (!executor.capabilities.stdin) {
            await expectUnsupported(scope, 'interactive', 'startTask with interactive', () =>
              tasks.startOnly({ kind: 'echoStdin', after }, { interactive: true }),
            );
            return;
          }
          if (!executor.attachStdin) {
            throw new Error(
              `[contract-tests] TaskExecutor: ${executor.provider} declares capabilities.stdin but has no attachStdin`,
            );
          }
          const logs = requireLogs(scope.fixture);
          // Not interactive: stdin is empty, so `cat` ends at once instead of waiting for input.
          const closed = await tasks.start({ kind: 'echoStdin', after });
          expect((await tasks.waitForFinal(closed)).status).toBe('SUCCEEDED');
          const plain = await waitFor(
            () => logs.fetchLogsByExecutionId(closed),
            (found) => found.some((event) => event.message === after),
            { timeoutMs, what: `the last line of task ${closed}`, signal: scope.signal },
          );
          expect(plain.map((event) => event.message)).toEqual([after]);

          const input = [`first ${outputToken()}`, `second with "quotes" $HOME; ${outputToken()}`];
          const { executionId, played } = await tasks.startWhilePlaying(
            { kind: 'echoStdin', after },
            { interactive: true },
          );
          // Sent in pieces that split a line, as a terminal or a pipe hands them over.
          const bytes = new TextEncoder().encode(`${input.join('\n')}\n`);
          async function* pieces() {
            for (let i = 0; i < bytes.length; i += 7) yield bytes.subarray(i, i + 7);
          }
          await executor.attachStdin(executionId, pieces(), { signal: scope.signal });
          await played;
          const final = await tasks.waitForFinal(executionId);
          expect(final).toMatchObject({ status: 'SUCCEEDED', exitCode: 0 });
          const events = await waitFor(
            () => logs.fetchLogsByExecutionId(executionId),
            (found) => found.some((event) => event.message === after),
            { timeoutMs, what: `the echoed input of task ${executionId}`, signal: scope.signal },
          );
          expect(events.map((event) => event.message)).toEqual([...input, after]);
        },

      'killTask with stopSignal sends that signal first, or is a ValidationError where the executor cannot choose it':
        async (scope) => {
          const { executor } = scope.fixture;
          const tasks = runs(scope);
          const ready = outputToken();
          const id = await tasks.start({ kind: 'handleSignals', ready });
          if (!executor.capabilities.stopSignal) {
            await expectUnsupported(scope, 'stopSignal', 'killTask with stopSignal SIGINT', () =>
              executor.killTask(id, { stopSignal: 'SIGINT' }),
            );
            await options.driver.settle?.(id);
            expect((await executor.describeTask(id)).status, 'the refused kill was not carried out').not.toBe(
              'STOPPED',
            );
            return;
          }
          const logs = requireLogs(scope.fixture);
          await waitForLine(logs, id, ready, scope);
          await executor.killTask(id, { stopSignal: 'SIGINT' });
          const final = await tasks.waitForFinal(id, { settle: true });
          expect(final).toMatchObject({ status: 'STOPPED', stopCode: 'USER_INITIATED' });
          const lines = (await waitForLine(logs, id, 'got-SIGINT', scope)).map((event) => event.message);
          expect(lines, 'SIGINT came first, not SIGTERM').not.toContain('got-SIGTERM');
        },

      'killTask with gracePeriodSeconds 0 sends SIGKILL at once, or is a ValidationError where the executor cannot choose it':
        async (scope) => {
          const { executor } = scope.fixture;
          const tasks = runs(scope);
          const ready = outputToken();
          const id = await tasks.start({ kind: 'handleSignals', ready });
          if (!executor.capabilities.stopGracePeriod) {
            await expectUnsupported(scope, 'gracePeriodSeconds', 'killTask with gracePeriodSeconds 0', () =>
              executor.killTask(id, { gracePeriodSeconds: 0 }),
            );
            await options.driver.settle?.(id);
            expect((await executor.describeTask(id)).status, 'the refused kill was not carried out').not.toBe(
              'STOPPED',
            );
            return;
          }
          const logs = requireLogs(scope.fixture);
          await waitForLine(logs, id, ready, scope);
          await executor.killTask(id, { gracePeriodSeconds: 0 });
          const final = await tasks.waitForFinal(id, { settle: true });
          expect(final).toMatchObject({ status: 'STOPPED', stopCode: 'USER_INITIATED' });
          // Give a late line time to arrive: there must be none, SIGKILL cannot be handled.
          await sleep(1000, scope.signal);
          const lines = (await logs.fetchLogsByExecutionId(id)).map((event) => event.message);
          expect(lines).toEqual([ready]);
        },

      'killTask with a grace period lets a task that handles SIGTERM run until the grace ends, then kills it':
        async (scope) => {
          const { executor } = scope.fixture;
          if (!executor.capabilities.stopGracePeriod) {
            // The refusal itself is the test above; a platform's own grace is not the caller's to test.
            throw new Error(
              `[contract-tests] TaskExecutor: ${executor.provider} declares capabilities.stopGracePeriod = false; disable "killTask with a grace period lets a task that handles SIGTERM run until the grace ends, then kills it" with that reason`,
            );
          }
          const tasks = runs(scope);
          const logs = requireLogs(scope.fixture);
          const ready = outputToken();
          const graceSeconds = 2;
          const id = await tasks.start({ kind: 'handleSignals', ready });
          await waitForLine(logs, id, ready, scope);
          const killedAt = Date.now();
          await executor.killTask(id, { gracePeriodSeconds: graceSeconds });
          // It handled SIGTERM and ran on...
          await waitForLine(logs, id, 'got-SIGTERM', scope);
          const final = await tasks.waitForFinal(id, { settle: true });
          expect(final).toMatchObject({ status: 'STOPPED', stopCode: 'USER_INITIATED' });
          // ...until SIGKILL at the end of the grace: not before it, and not at the executor's default.
          const stoppedAt = Date.parse(final.stoppedAt ?? '');
          expect(
            stoppedAt - killedAt,
            `ran on after the kill (ms); stoppedAt may read ${earliestMs} ms early (clocks, timestampPrecisionMs)`,
          ).toBeGreaterThanOrEqual(graceSeconds * 1000 - earliestMs);
          expect(
            stoppedAt - killedAt,
            `ran on after the kill (ms); slack ${timeoutSlackMs} ms`,
          ).toBeLessThanOrEqual(graceSeconds * 1000 + timeoutSlackMs);
        },
    },
  );

  /** A start or kill the executor cannot honour: a ValidationError naming the field, and no provider call. */
  async function expectUnsupported(
    scope: Scope,
    field: string,
    what: string,
    call: () => Promise<unknown>,
  ): Promise<void> {
    const calls = scope.fixture.providerCalls;
    const before = calls?.();
    const error = await expectTaskportError(call, ValidationError, what);
    expect((error as ValidationError).details?.field, `${what}: the field the error names`).toBe(field);
    expect(error.message, `${what}: the message says what to do`).toMatch(/drop/);
    if (calls) expect(calls() - (before ?? 0), `provider calls made by ${what}`).toBe(0);
  }

  /** Waits until the task has printed `line`; returns its output so far. */
  async function waitForLine(logs: LogAggregator, executionId: string, line: string, scope: Scope) {
    return waitFor(
      () => logs.fetchLogsByExecutionId(executionId),
      (found) => found.some((event) => event.message === line),
      { timeoutMs, what: `"${line}" in the output of task ${executionId}`, signal: scope.signal },
    );
  }
}

function requireProviderCalls(fixture: TaskExecutorFixture): () => number {
  if (!fixture.providerCalls) {
    throw new Error(
      '[contract-tests] TaskExecutor: this test counts provider calls, but the fixture has no `providerCalls`; add one, or disable the test with a reason',
    );
  }
  return fixture.providerCalls;
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
