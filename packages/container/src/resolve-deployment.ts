import {
  ConfigurationError,
  DEFAULT_RETENTION,
  PORT_NAMES,
  type PortName,
  parseRetention,
} from '@taskport/core';
import { didYouMean } from '@taskport/provider-utils';
import type { ResolvedConfig, ResolvedPort, ValueSource } from './deployment-config.js';
import { BUILT_IN_PROVIDERS, isPackageSpecifier } from './provider-catalog.js';

/** Environment variable that chooses the provider of each port (overrides the file). */
export const PORT_ENV: Readonly<Record<PortName, string>> = {
  taskExecutor: 'TASKPORT_TASK_EXECUTOR',
  imageRegistry: 'TASKPORT_IMAGE_REGISTRY',
  logAggregator: 'TASKPORT_LOG_AGGREGATOR',
  backendObservability: 'TASKPORT_BACKEND_OBSERVABILITY',
  executionStore: 'TASKPORT_EXECUTION_STORE',
};
/** Chooses one provider for every port at once; a per-port variable still wins. */
export const ALL_PORTS_ENV = 'TASKPORT_PROVIDER';

export interface ResolveInput {
  file: Record<string, unknown>;
  configFile?: string;
  env: Record<string, string | undefined>;
  /** Options given by the caller (e.g. CLI flags), by provider name; they win over file and environment. */
  overrides?: Record<string, Record<string, unknown>>;
}

/**
 * Decides the provider and raw options of each port: environment over file over the `local` default.
 * Throws ConfigurationError naming the bad key and the allowed values.
 */
export function resolvePorts(input: ResolveInput): Record<PortName, ResolvedPort> {
  const where = input.configFile ? ` in ${input.configFile}` : '';
  const providersSection = input.file.providers ?? {};
  if (typeof providersSection !== 'object' || providersSection === null || Array.isArray(providersSection)) {
    throw new ConfigurationError(
      `"providers"${where} must be a mapping of port to provider, e.g. { taskExecutor: aws }`,
    );
  }
  for (const key of Object.keys(providersSection)) {
    if (!(PORT_NAMES as readonly string[]).includes(key)) {
      throw new ConfigurationError(
        `unknown port "providers.${key}"${where}${didYouMean(key, PORT_NAMES)}; the ports are ${PORT_NAMES.join(', ')}`,
        { details: { key: `providers.${key}`, allowed: PORT_NAMES } },
      );
    }
  }
  for (const key of Object.keys(input.file)) {
    if (key === 'providers' || key === '$schema' || key === 'retention') continue;
    if (!(key in BUILT_IN_PROVIDERS) && !isPackageSpecifier(key)) {
      const known = ['providers', 'retention', ...Object.keys(BUILT_IN_PROVIDERS)];
      throw new ConfigurationError(
        `unknown section "${key}"${where}${didYouMean(key, known)} (the file holds providers: and one section per provider: ${Object.keys(BUILT_IN_PROVIDERS).join(', ')})`,
        { details: { key, allowed: known } },
      );
    }
    const value = input.file[key];
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ConfigurationError(`"${key}"${where} must be a mapping of options for the provider "${key}"`);
    }
  }

  const result = {} as Record<PortName, ResolvedPort>;
  for (const port of PORT_NAMES) {
    const fromEnv = input.env[PORT_ENV[port]] || input.env[ALL_PORTS_ENV];
    const fromFile = (providersSection as Record<string, unknown>)[port];
    let provider: string;
    let portOptions: Record<string, unknown> = {};
    let source: ValueSource;
    if (fromEnv) {
      provider = fromEnv.trim();
      source = 'env';
    } else if (fromFile !== undefined) {
      ({ provider, portOptions } = parseChoice(fromFile, port, where));
      source = 'file';
    } else {
      provider = 'local';
      source = 'default';
    }
    checkProviderName(
      provider,
      port,
      source === 'env'
        ? `environment variable ${input.env[PORT_ENV[port]] ? PORT_ENV[port] : ALL_PORTS_ENV}`
        : `providers.${port}${where}`,
    );
    const section = (input.file[provider] as Record<string, unknown> | undefined) ?? {};
    result[port] = {
      provider,
      rawOptions: { ...section, ...portOptions, ...(input.overrides?.[provider] ?? {}) },
      source,
    };
  }
  return result;
}

/** The retention period: TASKPORT_RETENTION over `retention:` in the file over the 30-day default. */
export function resolveRetention(
  input: Pick<ResolveInput, 'file' | 'configFile' | 'env'>,
): ResolvedConfig['retention'] {
  const fromEnv = input.env[RETENTION_ENV]?.trim();
  if (fromEnv) return { text: fromEnv, seconds: parseRetention(fromEnv, RETENTION_ENV), source: 'env' };
  const fromFile = input.file.retention;
  if (fromFile !== undefined) {
    const where = `retention${input.configFile ? ` in ${input.configFile}` : ''}`;
    if (typeof fromFile !== 'string') {
      throw new ConfigurationError(`${where} must be a period such as 30d, or off`, {
        details: { key: 'retention' },
      });
    }
    return { text: fromFile, seconds: parseRetention(fromFile, where), source: 'file' };
  }
  return {
    text: DEFAULT_RETENTION,
    seconds: parseRetention(DEFAULT_RETENTION, 'the default'),
    source: 'default',
  };
}

/** Overrides the retention period of every deployment file. */
export const RETENTION_ENV = 'TASKPORT_RETENTION';

function parseChoice(
  value: unknown,
  port: PortName,
  where: string,
): { provider: string; portOptions: Record<string, unknown> } {
  if (typeof value === 'string') return { provider: value.trim(), portOptions: {} };
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const { provider, options, ...rest } = value as Record<string, unknown>;
    const extra = Object.keys(rest);
    if (extra.length > 0) {
      throw new ConfigurationError(
        `unknown key "providers.${port}.${extra[0]}"${where}; a port takes { provider, options }`,
      );
    }
    if (typeof provider !== 'string') {
      throw new ConfigurationError(
        `"providers.${port}.provider"${where} must name a provider: ${Object.keys(BUILT_IN_PROVIDERS).join(', ')}`,
      );
    }
    if (
      options !== undefined &&
      (typeof options !== 'object' || options === null || Array.isArray(options))
    ) {
      throw new ConfigurationError(`"providers.${port}.options"${where} must be a mapping`);
    }
    return { provider: provider.trim(), portOptions: (options as Record<string, unknown>) ?? {} };
  }
  throw new ConfigurationError(
    `"providers.${port}"${where} must be a provider name or { provider, options }`,
  );
}

function checkProviderName(provider: string, port: PortName, where: string): void {
  if (provider in BUILT_IN_PROVIDERS || isPackageSpecifier(provider)) return;
  throw new ConfigurationError(
    `unknown provider "${provider}" for ${port} (${where})${didYouMean(provider, Object.keys(BUILT_IN_PROVIDERS))}; use one of ${Object.keys(BUILT_IN_PROVIDERS).join(', ')}, or a package name such as @acme/taskport-provider`,
    { details: { port, allowed: Object.keys(BUILT_IN_PROVIDERS) } },
  );
}
