// Suites, one per port
export {
  BACKEND_OBSERVABILITY_TESTS,
  type BackendObservabilityContractOptions,
  type BackendObservabilityTestName,
  describeBackendObservabilityContract,
} from './backend-observability-contract.js';
// Fixtures, options, driver, behaviours
export { type ContractDriver, realRuntimeDriver } from './contract-driver.js';
export {
  describeExecutionStoreContract,
  EXECUTION_STORE_TESTS,
  type ExecutionStoreContractOptions,
  type ExecutionStoreTestName,
} from './execution-store-contract.js';
export {
  describeImageRegistryContract,
  IMAGE_REGISTRY_TESTS,
  type ImageRegistryContractOptions,
  type ImageRegistryTestName,
} from './image-registry-contract.js';
export {
  describeLogAggregatorContract,
  LOG_AGGREGATOR_TESTS,
  type LogAggregatorContractOptions,
  type LogAggregatorTestName,
} from './log-aggregator-contract.js';
export type {
  BackendObservabilityFixture,
  Cleanup,
  ExecutionStoreFixture,
  ImageRegistryFixture,
  LogAggregatorFixture,
  LogAggregatorSuiteOptions,
  SuiteOptions,
  TaskExecutorFixture,
  TaskExecutorSuiteOptions,
} from './suite-options.js';
export {
  commandFor,
  PRINT_ARGS_PROGRAM,
  type ShellBehaviour,
  type TaskBehaviour,
} from './task-behaviour.js';
export {
  describeTaskExecutorContract,
  TASK_EXECUTOR_TESTS,
  TASK_EXECUTOR_TESTS_NEEDING_LOGS,
  TASK_EXECUTOR_TESTS_READING_LOGS,
  type TaskExecutorContractOptions,
  type TaskExecutorTestName,
} from './task-executor-contract.js';

// Helpers for adapter tests
export { sleep, type WaitForOptions, waitFor } from './wait-for.js';
