import type { ProviderPackage } from '@taskport/core';
import { parseProviderOptions } from '@taskport/provider-utils';
import type { ValueSource } from './deployment-config.js';

/** Where a provider's options came from: the file section, caller overrides, the environment. */
export interface SectionInput {
  section: Record<string, unknown>;
  overrides?: Record<string, unknown>;
  env: Readonly<Record<string, string | undefined>>;
  configFile?: string;
}

/**
 * Validates one provider's options through its schema: the file section and per-port options, caller
 * overrides over them, then the provider's environment variables and environment-derived defaults.
 */
export function parseProviderSection(
  provider: Pick<ProviderPackage, 'name' | 'optionsSchema' | 'optionEnv' | 'environmentDefaults'>,
  input: SectionInput,
): unknown {
  return parseProviderOptions(
    provider.optionsSchema,
    { ...input.section, ...input.overrides },
    {
      provider: provider.name,
      env: input.env,
      ...(provider.optionEnv ? { optionEnv: provider.optionEnv } : {}),
      ...(provider.environmentDefaults
        ? { environmentDefaults: provider.environmentDefaults(input.env) }
        : {}),
      ...(input.configFile ? { where: `in ${input.configFile}` } : {}),
    },
  );
}

/** Where each parsed option came from, for `taskport config show`. */
export function optionSources(
  provider: Pick<ProviderPackage, 'optionEnv'>,
  parsed: Record<string, unknown>,
  input: SectionInput,
): Record<string, ValueSource> {
  const sources: Record<string, ValueSource> = {};
  for (const key of Object.keys(parsed)) {
    const spec = provider.optionEnv?.[key];
    const names = spec === undefined ? [] : typeof spec === 'string' ? [spec] : spec;
    sources[key] =
      input.overrides && key in input.overrides
        ? 'argument'
        : key in input.section
          ? 'file'
          : names.some((name) => input.env[name]?.trim())
            ? 'env'
            : 'default';
  }
  return sources;
}
