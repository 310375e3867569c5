// inversify reads decorator metadata through the Reflect API; load the polyfill once, before any module.
import 'reflect-metadata';
import {
  type BackendLogger,
  ConfigurationError,
  isCloseable,
  nullLogger,
  OrchestratorService,
  PORT_NAMES,
  type PortName,
  type ProviderDependencies,
  type ProviderPackage,
  TOKENS,
  type Token,
} from '@taskport/core';
import { Container, ContainerModule } from 'inversify';

/** One port's provider and its parsed options. */
export interface PortBinding<Options = unknown> {
  provider: ProviderPackage<Options>;
  options: Options;
}

/** A complete provider mix: one binding per port. */
export type Composition = Record<PortName, PortBinding> & {
  /** Where the Service's structured lines go. Defaults to the BackendObservability provider's logger. */
  logger?: BackendLogger;
  /** Environment handed to the factories. @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
};

const PORT_TOKENS: Readonly<Record<PortName, Token<unknown>>> = {
  taskExecutor: TOKENS.TaskExecutor,
  imageRegistry: TOKENS.ImageRegistry,
  logAggregator: TOKENS.LogAggregator,
  backendObservability: TOKENS.BackendObservability,
  executionStore: TOKENS.ExecutionStore,
};

/** Closes what an adapter holds when the container lets go of it (inversify deactivation). */
async function release(instance: unknown): Promise<void> {
  if (isCloseable(instance)) await instance.close();
}

/**
 * Wraps one provider factory in an inversify module: a singleton built on first use, released through
 * its `close()` when the container unbinds it. This is the only place a provider meets inversify.
 */
function portModule(port: PortName, binding: PortBinding, deps: ProviderDependencies): ContainerModule {
  const factory = binding.provider.factories[port];
  if (!factory) {
    const offers =
      PORT_NAMES.filter((candidate) => binding.provider.factories[candidate]).join(', ') || 'no port';
    throw new ConfigurationError(
      `provider "${binding.provider.name}" does not implement ${port} (it offers ${offers}); choose another provider for providers.${port}`,
    );
  }
  return new ContainerModule(({ bind }) => {
    bind(PORT_TOKENS[port])
      .toDynamicValue(() => factory(binding.options, deps))
      .inSingletonScope()
      .onDeactivation(release);
  });
}

/**
 * Builds the inversify container for a provider mix: one module per port, the logger and the
 * OrchestratorService. Use it directly to compose your own mix in code, or through `createTaskport` to
 * read it from a config file. `container.unbindAllAsync()` closes every adapter that was built.
 */
export function composeContainer(composition: Composition): Container {
  const deps: ProviderDependencies = { env: composition.env ?? process.env };
  const container = new Container({ defaultScope: 'Singleton' });
  for (const port of PORT_NAMES) container.load(portModule(port, composition[port], deps));

  const observability = composition.backendObservability;
  container
    .bind(TOKENS.BackendLogger)
    .toDynamicValue(
      () =>
        composition.logger ??
        observability.provider.backendLogger?.(observability.options, deps) ??
        nullLogger,
    )
    .inSingletonScope()
    // A logger the caller passed in is theirs to close.
    .onDeactivation((logger) => (composition.logger ? undefined : release(logger)));
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
