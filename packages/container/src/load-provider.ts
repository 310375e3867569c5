import { ConfigurationError, type ProviderPackage } from '@taskport/core';
import { BUILT_IN_PROVIDERS } from './provider-catalog.js';

export type LoadedProvider = ProviderPackage<unknown>;

const registeredLoaders = new Map<string, () => Promise<Record<string, unknown>>>();

/**
 * Hands over how to import a provider package, for applications that bundle it (a bundle cannot resolve
 * `import(name)` by name at run time). A registered loader is used instead of `import(specifier)`.
 */
export function registerProviderLoader(
  specifier: string,
  load: () => Promise<Record<string, unknown>>,
): void {
  registeredLoaders.set(specifier, load);
}

/**
 * Imports a provider package by name, only when the config names it, so a deployment never loads the
 * SDKs of providers it does not use. The package must export `taskportProvider`.
 */
export async function loadProvider(provider: string): Promise<LoadedProvider> {
  const specifier = BUILT_IN_PROVIDERS[provider] ?? provider;
  let imported: Record<string, unknown>;
  try {
    const load = registeredLoaders.get(specifier);
    imported = (load ? await load() : await import(specifier)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(specifier)) {
      throw new ConfigurationError(
        `provider "${provider}" is configured but its package ${specifier} is not installed; add it to the deployment (pnpm add ${specifier})`,
        { cause: error },
      );
    }
    throw new ConfigurationError(
      `provider "${provider}" (${specifier}) failed to load: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  const candidate = imported.taskportProvider as LoadedProvider | undefined;
  if (
    !candidate ||
    typeof candidate.name !== 'string' ||
    typeof candidate.factories !== 'object' ||
    typeof candidate.optionsSchema?.['~standard']?.validate !== 'function'
  ) {
    throw new ConfigurationError(
      `package ${specifier} is not a taskport provider: it must export \`taskportProvider\` with name, optionsSchema (a Standard Schema such as a zod object) and factories`,
    );
  }
  return candidate;
}
