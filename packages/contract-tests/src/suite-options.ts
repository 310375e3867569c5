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

export interface TaskExecutorFixture extends Cleanup {
  executor: TaskExecutor;
  /** An image the executor can run (from any registry); tests put it in each TaskStartRequest. */
  image: ImageInfo;
  /**
   * Reads the output of the tasks this executor runs. The executor port has no log read, so the tests
   * that must see what a task printed (env reaches the task, an idempotent start runs once) read it here.
   * Without it, those tests must be disabled with a reason (the options type requires it).
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
   * the test that a secret passed by reference arrives as its value; without it that test skips itself
   * with a note (platforms without a secret store take secrets as plain values only).
   */
  secretReference?: (value: string) => Promise<string>;
}

export interface TaskExecutorSuiteOptions<TestName extends string>
  extends SuiteOptions<TaskExecutorFixture, TestName> {
  driver: ContractDriver;
}

export interface LogAggregatorFixture extends Cleanup {
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

export interface ImageRegistryFixture extends Cleanup {
  registry: ImageRegistry;
}

export interface BackendObservabilityFixture extends Cleanup {
  observability: BackendObservability;
  /**
   * Writes one line of taskport's own log where the platform would collect it (local: the BackendLogger;
   * AWS: a JSON line in the platform log group), as the Service does while handling a request.
   */
  emit: (entry: BackendLogEntry) => Promise<void>;
}

export interface ExecutionStoreFixture extends Cleanup {
  store: ExecutionStore;
}
