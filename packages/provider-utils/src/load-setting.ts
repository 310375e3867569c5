import { ConfigurationError } from '@taskport/core';

export interface SettingSpec {
  /** The option as written in `taskport.yaml`, e.g. `aws.region`. */
  name: string;
  /** Environment variables consulted in order when the argument is absent, e.g. `['AWS_REGION', 'AWS_DEFAULT_REGION']`. */
  env?: readonly string[];
  /** What the setting is for, completing "set <name> to ..." in the error. */
  description?: string;
}

/**
 * "Argument first, then environment": the given value when it is a non-empty string, else the first
 * non-empty environment variable of `spec.env`.
 * @throws ConfigurationError saying where to set it, when neither has a value
 */
export function loadSetting(
  argument: string | undefined | null,
  env: Readonly<Record<string, string | undefined>>,
  spec: SettingSpec,
): string {
  const found = loadOptionalSetting(argument, env, spec);
  if (found !== undefined) return found;
  const variables = spec.env?.length ? ` or the environment variable ${spec.env.join(' / ')}` : '';
  const what = spec.description ? ` to ${spec.description}` : '';
  throw new ConfigurationError(`${spec.name} is not set; set it in taskport.yaml${variables}${what}`, {
    details: { key: spec.name, env: spec.env ?? [] },
  });
}

/** Like `loadSetting`, but `undefined` when neither the argument nor the environment has a value. */
export function loadOptionalSetting(
  argument: string | undefined | null,
  env: Readonly<Record<string, string | undefined>>,
  spec: Pick<SettingSpec, 'env'>,
): string | undefined {
  if (typeof argument === 'string' && argument.trim() !== '') return argument.trim();
  for (const name of spec.env ?? []) {
    const value = env[name]?.trim();
    if (value) return value;
  }
  return undefined;
}
