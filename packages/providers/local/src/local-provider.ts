import type { ProviderPackage } from '@taskport/core';
import { LocalBackendObservability } from './local-backend-observability.js';
import { LocalExecutionStore } from './local-execution-store.js';
import { LocalImageRegistry } from './local-image-registry.js';
import { LocalLogAggregator } from './local-log-aggregator.js';
import {
  type LocalOptions,
  localEnvironmentDefaults,
  localOptionEnv,
  localOptionsSchema,
} from './local-options.js';
import { LocalTaskExecutor } from './local-task-executor.js';
import { SqliteBackendLogger } from './sqlite-backend-logger.js';

/**
 * The local provider as the composition root loads it: `providers: { taskExecutor: local, ... }`.
 * Plain factories, one per port; every adapter shares the one SQLite database of `dataDir` and releases
 * its use of it on `close()`.
 */
export const taskportProvider: ProviderPackage<LocalOptions> = {
  name: 'local',
  optionsSchema: localOptionsSchema as ProviderPackage<LocalOptions>['optionsSchema'],
  optionEnv: localOptionEnv,
  environmentDefaults: localEnvironmentDefaults,
  factories: {
    taskExecutor: (options) =>
      new LocalTaskExecutor({
        dataDir: options.dataDir,
        killGraceMs: options.killGraceMs,
        inheritEnv: options.inheritEnv,
      }),
    imageRegistry: (options) => new LocalImageRegistry({ dataDir: options.dataDir }),
    logAggregator: (options) =>
      new LocalLogAggregator({
        dataDir: options.dataDir,
        pollIntervalMs: options.pollIntervalMs,
        maxPollIntervalMs: options.maxPollIntervalMs,
      }),
    backendObservability: (options) => new LocalBackendObservability({ dataDir: options.dataDir }),
    executionStore: (options) => new LocalExecutionStore({ dataDir: options.dataDir }),
  },
  backendLogger: (options) =>
    new SqliteBackendLogger({ dataDir: options.dataDir, minLevel: options.backendLogLevel }),
};
