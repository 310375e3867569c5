export {
  LocalBackendObservability,
  type LocalBackendObservabilityOptions,
} from './local-backend-observability.js';
export {
  closeLocalDatabase,
  DATABASE_FILE,
  LocalDatabase,
  openLocalDatabase,
  openLocalDatabaseCount,
  releaseLocalDatabase,
} from './local-database.js';
export { LocalExecutionStore, type LocalExecutionStoreOptions } from './local-execution-store.js';
export { LocalImageRegistry, type LocalImageRegistryOptions } from './local-image-registry.js';
export { LocalLogAggregator, type LocalLogAggregatorOptions } from './local-log-aggregator.js';
export {
  type BackendLogLevel,
  defaultDataDir,
  type LocalOptions,
  localEnvironmentDefaults,
  localOptionEnv,
  localOptionsSchema,
  parseLocalOptions,
} from './local-options.js';
export { taskportProvider } from './local-provider.js';
export { LocalTaskExecutor, type LocalTaskExecutorOptions } from './local-task-executor.js';
export { SqliteBackendLogger, type SqliteBackendLoggerOptions } from './sqlite-backend-logger.js';
