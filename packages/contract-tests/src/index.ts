// Suites, one per port
export {
  BACKEND_OBSERVABILITY_TESTS,
  BACKEND_OBSERVABILITY_TESTS_NEEDING_PROVIDER_CALLS,
  type BackendObservabilityContractOptions,
  type BackendObservabilityTestName,
  describeBackendObservabilityContract,
} from './backend-observability-contract.js';
// Fixtures, options, driver, behaviours
export { type ContractDriver, realRuntimeDriver } from './contract-driver.js';
export {
  describeExecutionStoreContract,
  EXECUTION_STORE_TESTS,
  EXECUTION_STORE_TESTS_NEEDING_PROVIDER_CALLS,
  type ExecutionStoreContractOptions,
  type ExecutionStoreTestName,
} from './execution-store-contract.js';
// Helpers for adapter tests and drivers
export {
  CONTAINER_DEFAULT_PATH,
  type HostExit,
  type HostOutputLine,
  type HostRun,
  runOnHost,
} from './host-runtime.js';
export {
  describeImageRegistryContract,
  IMAGE_REGISTRY_TESTS,
  IMAGE_REGISTRY_TESTS_NEEDING_PROVIDER_CALLS,
  type ImageRegistryContractOptions,
  type ImageRegistryTestName,
} from './image-registry-contract.js';
export {
  describeLogAggregatorContract,
  LOG_AGGREGATOR_TESTS,
  LOG_AGGREGATOR_TESTS_NEEDING_PROVIDER_CALLS,
  type LogAggregatorContractOptions,
  type LogAggregatorTestName,
} from './log-aggregator-contract.js';
export type {
  BackendObservabilityFixture,
  Cleanup,
  CountsProviderCalls,
  ExecutionStoreFixture,
  ImageRegistryFixture,
  LogAggregatorFixture,
  LogAggregatorSuiteOptions,
  RequiresOrDisables,
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
  TASK_EXECUTOR_TESTS_NEEDING_FORGET,
  TASK_EXECUTOR_TESTS_NEEDING_LOGS,
  TASK_EXECUTOR_TESTS_NEEDING_PROVIDER_CALLS,
  TASK_EXECUTOR_TESTS_NEEDING_SECRET_REFERENCE,
  TASK_EXECUTOR_TESTS_READING_LOGS,
  type TaskExecutorContractOptions,
  type TaskExecutorTestName,
} from './task-executor-contract.js';
export { sleep, type WaitForOptions, waitFor } from './wait-for.js';
