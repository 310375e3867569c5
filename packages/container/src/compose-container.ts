// inversify reads decorator metadata through the Reflect API; load the polyfill once, before any module.
import 'reflect-metadata';
import {
  type BackendLogger,
  ConfigurationError,
  nullLogger,
  OrchestratorService,
  PORT_NAMES,
  type PortName,
  type ProviderPackage,
  TOKENS,
} from '@taskport/core';
import { Container, type ContainerModule } from 'inversify';

/** One port's provider and its parsed options. */
export interface PortBinding<Options = unknown> {
  provider: ProviderPackage<Options, ContainerModule>;
  options: Options;
}

/** A complete provider mix: one binding per port. */
export type Composition = Record<PortName, PortBinding> & {
  /** Where the Service's structured lines go. Defaults to the BackendObservability provider's logger. */
  logger?: BackendLogger;
};

/**
 * Builds the inversify container for a provider mix: loads each provider's module for its port, binds the
 * logger and the OrchestratorService. This is the one place that sees every chosen provider; use it
 * directly to compose your own mix in code, or through `createTaskport` to read it from a config file.
 */
export function composeContainer(composition: Composition): Container {
  const container = new Container({ defaultScope: 'Singleton' });
  for (const port of PORT_NAMES) {
    const { provider, options } = composition[port];
    const makeModule = provider.modules[port];
    if (!makeModule) {
      const offers = PORT_NAMES.filter((p) => provider.modules[p]).join(', ') || 'no port';
      throw new ConfigurationError(
        `provider "${provider.name}" does not implement ${port} (it offers ${offers}); choose another provider for providers.${port}`,
      );
    }
    container.load(makeModule(options));
  }
  const observability = composition.backendObservability;
  const logger =
    composition.logger ?? observability.provider.backendLogger?.(observability.options) ?? nullLogger;
  container.bind(TOKENS.BackendLogger).toConstantValue(logger);
  container
    .bind(TOKENS.OrchestratorService)
    .toDynamicValue(
      (context) =>
        new OrchestratorService({
          taskExecutor: context.get(TOKENS.TaskExecutor),
          imageRegistry: context.get(TOKENS.ImageRegistry),
          logAggregator: context.get(TOKENS.LogAggregator),
          backendObservability: context.get(TOKENS.BackendObservability),
          executionStore: context.get(TOKENS.ExecutionStore),
          logger: context.get(TOKENS.BackendLogger),
        }),
    )
    .inSingletonScope();
  return container;
}
