import type { BackendLogger } from './backend-logger.js';

/** The five ports a deployment chooses a provider for. */
export type PortName =
  | 'taskExecutor'
  | 'imageRegistry'
  | 'logAggregator'
  | 'backendObservability'
  | 'executionStore';
export const PORT_NAMES: readonly PortName[] = [
  'taskExecutor',
  'imageRegistry',
  'logAggregator',
  'backendObservability',
  'executionStore',
];

/**
 * What a provider package exports (as `taskportProvider`) so the composition root can load it by name.
 * `Module` is the DI module type (inversify's ContainerModule); core stays free of the DI library.
 */
export interface ProviderPackage<Options = unknown, Module = unknown> {
  /** Name used in the deployment config, e.g. `local`, `aws`. */
  readonly name: string;
  /**
   * Validates the provider's options (the config file section merged with per-port options), applying
   * environment fallbacks ("argument first, then environment"). Throws ConfigurationError naming the key.
   */
  parseOptions(raw: unknown, env: Record<string, string | undefined>): Options;
  /**
   * Environment variables `parseOptions` falls back to, by option key (e.g. `{ dataDir: 'TASKPORT_DATA_DIR' }`).
   * Only used to report where a value came from (`taskport config show`).
   */
  readonly optionEnv?: Readonly<Record<string, string>>;
  /** One module per port the provider implements; each binds that port's token. */
  readonly modules: Partial<Record<PortName, (options: Options) => Module>>;
  /**
   * The logger the Service should write to when this provider serves BackendObservability, so that
   * `fetchBackendLogs` finds the lines (local: SQLite; clouds: JSON lines on stderr).
   */
  backendLogger?(options: Options): BackendLogger;
}
