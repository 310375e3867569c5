import { type BackendLogger, type ProviderPackage, TOKENS } from '@taskport/core';
import { ContainerModule } from 'inversify';
import { LocalBackendObservability } from './local-backend-observability.js';
import { LocalExecutionStore } from './local-execution-store.js';
import { LocalImageRegistry } from './local-image-registry.js';
import { LocalLogAggregator } from './local-log-aggregator.js';
import { type LocalOptions, parseLocalOptions } from './local-options.js';
import { LocalTaskExecutor } from './local-task-executor.js';
import { SqliteBackendLogger } from './sqlite-backend-logger.js';

/** Binds one port's token to a singleton built from the options (no decorators, no design-time metadata). */
function portModule<T>(token: symbol, build: () => T): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<T>(token)
      .toDynamicValue(() => build())
      .inSingletonScope();
  });
}

/**
 * The local provider as the composition root loads it: `providers: { taskExecutor: local, ... }`.
 * Every port of it shares the one SQLite database of `dataDir`.
 */
export const taskportProvider: ProviderPackage<LocalOptions, ContainerModule> = {
  name: 'local',
  parseOptions: (raw, env) => parseLocalOptions(raw, env),
  // XDG_STATE_HOME also feeds the default dataDir, but only this variable names the directory itself.
  optionEnv: { dataDir: 'TASKPORT_DATA_DIR' },
  modules: {
    taskExecutor: (options) =>
      portModule(
        TOKENS.TaskExecutor,
        () =>
          new LocalTaskExecutor({
            dataDir: options.dataDir,
            killGraceMs: options.killGraceMs,
            inheritEnv: options.inheritEnv,
          }),
      ),
    imageRegistry: (options) =>
      portModule(TOKENS.ImageRegistry, () => new LocalImageRegistry({ dataDir: options.dataDir })),
    logAggregator: (options) =>
      portModule(
        TOKENS.LogAggregator,
        () =>
          new LocalLogAggregator({
            dataDir: options.dataDir,
            pollIntervalMs: options.pollIntervalMs,
            maxPollIntervalMs: options.maxPollIntervalMs,
          }),
      ),
    backendObservability: (options) =>
      portModule(
        TOKENS.BackendObservability,
        () => new LocalBackendObservability({ dataDir: options.dataDir }),
      ),
    executionStore: (options) =>
      portModule(TOKENS.ExecutionStore, () => new LocalExecutionStore({ dataDir: options.dataDir })),
  },
  backendLogger: (options): BackendLogger =>
    new SqliteBackendLogger({ dataDir: options.dataDir, minLevel: options.backendLogLevel }),
};
