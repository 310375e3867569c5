import { type OrchestratorService, PORT_NAMES, type PortName, TOKENS } from '@taskport/core';
import type { Container } from 'inversify';
import { type Composition, composeContainer, type PortBinding } from './compose-container.js';
import type { ResolvedConfig, ResolvedProvider, ValueSource } from './deployment-config.js';
import { type LoadedProvider, loadProvider } from './load-provider.js';
import { findConfigFile, readConfigFile } from './read-config-file.js';
import { resolvePorts } from './resolve-deployment.js';

export interface CreateTaskportOptions {
  /** Config file path; else `TASKPORT_CONFIG`, else `./taskport.yaml` or `~/.config/taskport/config.yaml`. */
  configPath?: string;
  /** Environment to read; @default process.env */
  env?: Record<string, string | undefined>;
  /** Directory relative paths are resolved against; @default process.cwd() */
  cwd?: string;
  /** Provider options from the caller (e.g. CLI flags), by provider name; they win over file and environment. */
  overrides?: Record<string, Record<string, unknown>>;
}

export interface Taskport {
  service: OrchestratorService;
  config: ResolvedConfig;
  container: Container;
  /** Releases what the providers hold (database handles, sockets). */
  close(): Promise<void>;
}

/**
 * Reads the deployment config (file, then environment), imports only the providers it names, validates
 * their options and composes the container. With no config at all every port is `local`.
 * @throws ConfigurationError naming the bad key and the allowed values
 */
export async function createTaskport(options: CreateTaskportOptions = {}): Promise<Taskport> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const configFile = findConfigFile(options.configPath, env, cwd);
  const file = configFile ? await readConfigFile(configFile) : {};
  const ports = resolvePorts({
    file,
    env,
    ...(configFile ? { configFile } : {}),
    ...(options.overrides ? { overrides: options.overrides } : {}),
  });

  const names = [...new Set(PORT_NAMES.map((port) => ports[port].provider))];
  const loaded = new Map<string, LoadedProvider>(
    await Promise.all(names.map(async (name) => [name, await loadProvider(name)] as const)),
  );

  const composition = {} as Composition;
  for (const port of PORT_NAMES) {
    const provider = loaded.get(ports[port].provider)!;
    composition[port] = {
      provider,
      options: provider.parseOptions(ports[port].rawOptions, env),
    } satisfies PortBinding;
  }
  const container = composeContainer(composition);

  const providers: Record<string, ResolvedProvider> = {};
  for (const [name, provider] of loaded) {
    const section = (file[name] as Record<string, unknown> | undefined) ?? {};
    const override = options.overrides?.[name] ?? {};
    const parsed = provider.parseOptions({ ...section, ...override }, env) as Record<string, unknown>;
    const sources: Record<string, ValueSource> = {};
    for (const key of Object.keys(parsed)) {
      const envName = provider.optionEnv?.[key];
      sources[key] =
        key in override
          ? 'argument'
          : key in section
            ? 'file'
            : envName && env[envName] !== undefined
              ? 'env'
              : 'default';
    }
    providers[name] = { options: parsed, sources };
  }
  const config: ResolvedConfig = {
    ...(configFile ? { configFile } : {}),
    ports: Object.fromEntries(
      PORT_NAMES.map((port) => [port, { provider: ports[port].provider, source: ports[port].source }]),
    ) as Record<PortName, { provider: string; source: ValueSource }>,
    providers,
  };

  return {
    service: container.get(TOKENS.OrchestratorService),
    config,
    container,
    close: () => container.unbindAllAsync(),
  };
}
