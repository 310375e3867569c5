import type { LoadedProvider } from './load-provider.js';
import { parseProviderSection } from './parse-provider-section.js';
import { optionsModuleOf } from './provider-catalog.js';

/**
 * Validates the sections of built-in providers that no port uses, through their light `<package>/options`
 * entry (a schema, no SDK): a typo in `aws:` is reported even while every port is local, and the provider
 * itself is still never loaded. A built-in whose package is not installed is left alone: nothing uses it.
 */
export async function validateUnusedSections(
  file: Record<string, unknown>,
  used: ReadonlySet<string>,
  env: Readonly<Record<string, string | undefined>>,
  configFile: string | undefined,
): Promise<void> {
  const unused = Object.keys(file).filter(
    (key) => key !== 'providers' && !used.has(key) && optionsModuleOf(key),
  );
  await Promise.all(
    unused.map(async (name) => {
      let schemaModule: Pick<Partial<LoadedProvider>, 'optionsSchema' | 'optionEnv'>;
      try {
        schemaModule = (await import(optionsModuleOf(name)!)) as typeof schemaModule;
      } catch (error) {
        if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') return;
        throw error;
      }
      if (!schemaModule.optionsSchema) return;
      parseProviderSection(
        { name, optionsSchema: schemaModule.optionsSchema, optionEnv: schemaModule.optionEnv ?? {} },
        { section: file[name] as Record<string, unknown>, env, ...(configFile ? { configFile } : {}) },
      );
    }),
  );
}
