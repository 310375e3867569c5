import type { PortName } from '@taskport/core';

/** Where a resolved value came from, for `taskport config show`. */
export type ValueSource = 'file' | 'env' | 'argument' | 'default';

/**
 * A port's provider: a name (`local`, `aws`, or a package specifier such as `@acme/taskport-nomad`), or
 * an object with per-port options merged over the provider's top-level section. The object form lets
 * two differently configured instances of one provider serve different ports.
 */
export type PortChoice = string | { provider: string; options?: Record<string, unknown> };

/**
 * The deployment config file (YAML or JSON):
 * ```yaml
 * providers: { taskExecutor: aws, imageRegistry: aws, logAggregator: aws, backendObservability: local, executionStore: local }
 * aws: { region: eu-west-1, cluster: jobs, subnets: [subnet-1] }
 * local: { dataDir: /var/lib/taskport }
 * ```
 * Every port not named is `local`. Top-level keys other than `providers` are provider sections.
 */
export interface DeploymentConfig {
  providers?: Partial<Record<PortName, PortChoice>>;
  [providerSection: string]: unknown;
}

export interface ResolvedPort {
  provider: string;
  /** Options for this port's provider instance (section merged with per-port options and overrides). */
  rawOptions: Record<string, unknown>;
  source: ValueSource;
}

export interface ResolvedProvider {
  /** Parsed options of the provider (its top-level section with defaults applied). */
  options: Record<string, unknown>;
  /** Where each option came from. */
  sources: Record<string, ValueSource>;
}

/** The provider mix after reading the file and the environment. */
export interface ResolvedConfig {
  /** The config file that was read, if any. */
  configFile?: string;
  ports: Record<PortName, { provider: string; source: ValueSource }>;
  providers: Record<string, ResolvedProvider>;
  /**
   * How long finished executions (with their output and backend lines) are kept: `retention:` in the
   * file, TASKPORT_RETENTION, or 30 days. `seconds` is null for `off`. Applied by the CLI after a run
   * and by the server every hour (`taskport prune` does it by hand).
   */
  retention: { text: string; seconds: number | null; source: ValueSource };
}
