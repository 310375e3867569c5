import type {
  BackendLogEntry,
  BackendObservability,
  ExecutionStore,
  ImageInfo,
  ImageRegistry,
  LogAggregator,
  TaskExecutor,
} from '@taskport/core';
import type { ContractDriver } from './contract-driver.js';

/** Shared by every suite. `TestName` is the suite's union of test names (sentences). */
export interface SuiteOptions<Fixture, TestName extends string> {
  /** Adapter name shown in the describe block, e.g. `local`, `aws (moto)`. */
  name: string;
  /** Builds a fresh adapter for one test. Called once per test; never shared between tests. */
  create: () => Promise<Fixture>;
  /**
   * Tests to skip, each with the reason (shown in the report). Typed by test name so a typo or a renamed
   * test fails to compile instead of silently running nothing.
   */
  disable?: Partial<Record<TestName, string>>;
  /** How long a test may wait for a task to reach a state. @default 30_000 */
  waitTimeoutMs?: number;
}

/** Every fixture may clean up what its test created. */
export interface Cleanup {
  cleanup?: () => Promise<void>;
}

/**
 * Every fixture may count the calls its adapter makes to the provider, for the tests that an
 * already-aborted signal rejects **without** a provider call. Without it, those tests must be disabled
 * by name with a reason (the options types require one or the other).
 */
export interface CountsProviderCalls {
  /**
   * How many calls the adapter has made to its provider so far: SDK commands (an initialize-step
   * middleware sees each once), HTTP requests, SQL statements prepared - whatever reaches the backend.
   * Only differences are read, so it may count other fixtures' calls too as long as none run meanwhile.
   */
  providerCalls?: () => number;
}

/**
 * Makes `Key` of a fixture (or of the driver) required unless the tests that need it are disabled by
 * name: `create` returns a fixture with it, or `disable` names each of `Names` with a reason.
 */
export type RequiresOrDisables<Fixture, Key extends keyof Fixture, Names extends string, All extends string> =
  | { create: () => Promise<Fixture & { [K in Key]-?: NonNullable<Fixture[K]> }> }
  | { disable: { [Name in Names]: string } & Partial<Record<All, string>> };

export interface TaskExecutorFixture extends Cleanup, CountsProviderCalls {
  executor: TaskExecutor;
  /** An image the executor can run (from any registry); tests put it in each TaskStartRequest. */
  image: ImageInfo;
  /**
   * Reads the output of the tasks this executor runs. The executor port has no log read, so the tests
   * that must see what a task printed (env, argv, secrets, an idempotent start runs once) read it here.
   * Without it, those tests (`TASK_EXECUTOR_TESTS_NEEDING_LOGS`) must be disabled with a reason: the
   * options type requires one or the other.
   */
  logs?: LogAggregator;
  /**
   * An execution id in this executor's own format (e.g. a task ARN) that names no task, for the
   * NotFoundError tests. @default a random `contract-unknown-<hex>` id
   */
  unknownExecutionId?: () => string;
  /**
   * Stores `value` in the platform's secret store and returns the reference to pass as a `secrets`
   * value (AWS: a Secrets Manager ARN), which the platform resolves into the task's environment. For
   * the test that a secret passed by reference arrives as its value; without it that test must be
   * disabled with a reason (platforms without a secret store take secrets as plain values only).
   */
  secretReference?: (value: string) => Promise<string>;
}

export interface TaskExecutorSuiteOptions<TestName extends string>
  extends SuiteOptions<TaskExecutorFixture, TestName> {
  driver: ContractDriver;
  /**
   * How long after its deadline a task may still be running before the timeout test fails: the test
   * asserts `stoppedAt - startedAt <= timeoutSeconds * 1000 + timeoutSlackMs`. Covers the watchdog's
   * reaction, the stop (SIGTERM and its grace) and the platform's bookkeeping; state what a platform
   * needs when it needs more. @default 5000
   */
  timeoutSlackMs?: number;
  /**
   * How coarse the platform's `startedAt`/`stoppedAt` are: Kubernetes reports container times in whole
   * seconds, so a stop may read up to a second earlier than it happened. Widens the "not before" bounds of
   * the timeout and grace-period tests by that much. @default 0
   */
  timestampPrecisionMs?: number;
  /**
   * A directory that exists where the tasks run (the host for local, the image otherwise) and is not
   * their default working directory, for the workingDir test. @default '/usr'
   */
  existingDirectory?: string;
}

export interface LogAggregatorFixture extends Cleanup, CountsProviderCalls {
  logs: LogAggregator;
  /** Starts the tasks whose output is read; the driver plays them on emulated backends. */
  executor: TaskExecutor;
  image: ImageInfo;
  /**
   * An execution id in the format the log provider expects that no task ever had, for the "never
   * started" tests. @default a random `contract-unknown-<hex>` id
   */
  unknownExecutionId?: () => string;
}

export interface LogAggregatorSuiteOptions<TestName extends string>
  extends SuiteOptions<LogAggregatorFixture, TestName> {
  driver: ContractDriver;
}

export interface ImageRegistryFixture extends Cleanup, CountsProviderCalls {
  registry: ImageRegistry;
}

export interface BackendObservabilityFixture extends Cleanup, CountsProviderCalls {
  observability: BackendObservability;
  /**
   * Writes one line of taskport's own log where the platform would collect it (local: the BackendLogger;
   * AWS: a JSON line in the platform log group), as the Service does while handling a request.
   */
  emit: (entry: BackendLogEntry) => Promise<void>;
}

export interface ExecutionStoreFixture extends Cleanup, CountsProviderCalls {
  store: ExecutionStore;
}
