import { type OrchestratorService, PORT_NAMES, type PortName, TOKENS } from '@taskport/core';
import type { Container } from 'inversify';
import { type Composition, composeContainer, type PortBinding } from './compose-container.js';
import type { ResolvedConfig, ResolvedProvider, ValueSource } from './deployment-config.js';
import { type LoadedProvider, loadProvider } from './load-provider.js';
import { optionSources, parseProviderSection, type SectionInput } from './parse-provider-section.js';
import { findConfigFile, readConfigFile } from './read-config-file.js';
import { resolvePorts, resolveRetention } from './resolve-deployment.js';
import { validateUnusedSections } from './validate-unused-sections.js';

export interface CreateTaskportOptions {
  /** Config file path; else `TASKPORT_CONFIG`, else `taskport.yaml` found upwards, else `~/.config/taskport/config.yaml`. */
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
  /** Releases what the providers hold (database handles, sockets, timers): every adapter's `close()`. */
  close(): Promise<void>;
}

/**
 * Reads the deployment config (file, then environment), imports only the providers it names, validates
 * every section through its provider's schema and composes the container. With no config at all every
 * port is `local`.
 * @throws ConfigurationError naming the bad key, the nearest valid name and the allowed values
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
  // A bad period fails here, before any provider is loaded.
  const retention = resolveRetention({ file, env, ...(configFile ? { configFile } : {}) });

  const names = [...new Set(PORT_NAMES.map((port) => ports[port].provider))];
  const [loaded] = await Promise.all([
    Promise.all(names.map(async (name) => [name, await loadProvider(name)] as const)).then(
      (entries) => new Map<string, LoadedProvider>(entries),
    ),
    validateUnusedSections(file, new Set(names), env, configFile),
  ]);

  const composition = { env } as Composition;
  for (const port of PORT_NAMES) {
    const provider = loaded.get(ports[port].provider)!;
    composition[port] = {
      provider,
      options: parseProviderSection(provider, {
        section: ports[port].rawOptions,
        env,
        ...(configFile ? { configFile } : {}),
      }),
    } satisfies PortBinding;
  }
  const container = composeContainer(composition);

  const providers: Record<string, ResolvedProvider> = {};
  for (const [name, provider] of loaded) {
    const input: SectionInput = {
      section: (file[name] as Record<string, unknown> | undefined) ?? {},
      overrides: options.overrides?.[name] ?? {},
      env,
    };
    const parsed = parseProviderSection(provider, input) as Record<string, unknown>;
    providers[name] = { options: parsed, sources: optionSources(provider, parsed, input) };
  }
  const config: ResolvedConfig = {
    ...(configFile ? { configFile } : {}),
    ports: Object.fromEntries(
      PORT_NAMES.map((port) => [port, { provider: ports[port].provider, source: ports[port].source }]),
    ) as Record<PortName, { provider: string; source: ValueSource }>,
    providers,
    retention,
  };

  let closing: Promise<void> | undefined;
  return {
    service: container.get(TOKENS.OrchestratorService),
    config,
    container,
    close: () => {
      closing ??= container.unbindAllAsync();
      return closing;
    },
  };
}
