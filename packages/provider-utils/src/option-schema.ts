import { ConfigurationError, type OptionsSchema } from '@taskport/core';
import { z } from 'zod';
import { didYouMean } from './did-you-mean.js';

/*
 * Option schemas are zod 4 objects (docs/adr/005-option-schemas-with-zod.md). Values reach them from three
 * places - YAML (typed), JSON (typed) and environment variables (always strings) - so the scalar helpers
 * below accept both the typed value and its string spelling, and reject anything else with a message that
 * says what is expected.
 */

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

/** A boolean option: `true`/`false`, or from the environment `true|false|1|0|yes|no|on|off`. */
export function booleanSetting() {
  return z.union([
    z.boolean(),
    z
      .string()
      .transform((value, context) => {
        const lower = value.trim().toLowerCase();
        if (TRUE.has(lower)) return true;
        if (FALSE.has(lower)) return false;
        context.addIssue({ code: 'custom', message: `must be true or false, got ${JSON.stringify(value)}` });
        return z.NEVER;
      })
      .meta({ type: 'boolean' }),
  ]);
}

/** A whole-number option within [min, max]; `"5000"` from the environment is accepted as 5000. */
export function integerSetting(min: number, max: number) {
  const number = z.int().min(min).max(max);
  return z.union([
    number,
    z
      .string()
      .regex(/^\s*-?\d+\s*$/, `must be a whole number from ${min} to ${max}`)
      .transform(Number)
      .pipe(number),
  ]);
}

/** A list of non-empty strings; from the environment a comma-separated string (`subnet-1,subnet-2`). */
export function listSetting() {
  const item = z.string().trim().min(1);
  return z.union([
    z.array(item),
    z.string().transform((value) =>
      value
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean),
    ),
  ]);
}

/** A non-empty, trimmed string. */
export function textSetting() {
  return z.string().trim().min(1, 'must not be empty');
}

/** Options objects are strict: an unknown key is a typo until proven otherwise. */
export type OptionsObjectSchema = z.ZodObject<z.ZodRawShape, z.core.$strict>;

export interface ParseOptionsContext {
  /** Provider name, the section of taskport.yaml: `aws`, `local`. */
  provider: string;
  /** Environment the fallbacks are read from. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Environment variable per option key, consulted when the key is absent ("argument first, then environment"). */
  optionEnv?: Readonly<Record<string, string | readonly string[]>>;
  /** Where the options came from, for the message: `in /srv/taskport.yaml`. */
  where?: string;
  /** Values for keys that are still absent after the environment fallbacks (defaults derived from the environment). */
  environmentDefaults?: Readonly<Record<string, unknown>>;
}

/** The names of environment variables for one option, in the order they are consulted. */
function envNames(spec: string | readonly string[] | undefined): readonly string[] {
  if (spec === undefined) return [];
  return typeof spec === 'string' ? [spec] : spec;
}

/**
 * Validates a provider's options against its schema, after filling absent keys from the environment.
 * @throws ConfigurationError naming the key (`aws.clustr` -> `did you mean "cluster"?`), the environment
 *   variable it came from, and what is expected
 */
export function parseProviderOptions<Options>(
  schema: OptionsSchema<Options>,
  raw: unknown,
  context: ParseOptionsContext,
): Options {
  const where = context.where ? ` ${context.where}` : '';
  const input = raw ?? {};
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new ConfigurationError(
      `the "${context.provider}" section${where} must be a mapping of options, got ${Array.isArray(input) ? 'a list' : typeof input}`,
      { details: { key: context.provider } },
    );
  }
  const merged: Record<string, unknown> = { ...(input as Record<string, unknown>) };
  const fromEnv = new Map<string, string>();
  for (const [key, spec] of Object.entries(context.optionEnv ?? {})) {
    if (merged[key] !== undefined && merged[key] !== null) continue;
    for (const name of envNames(spec)) {
      const value = context.env?.[name];
      if (value !== undefined && value.trim() !== '') {
        merged[key] = value;
        fromEnv.set(key, name);
        break;
      }
    }
  }
  for (const [key, value] of Object.entries(context.environmentDefaults ?? {})) {
    if (merged[key] === undefined || merged[key] === null) merged[key] = value;
  }
  const result = schema['~standard'].validate(merged) as StandardResult<Options> | Promise<unknown>;
  if (result instanceof Promise) {
    throw new ConfigurationError(
      `the options schema of the ${context.provider} provider is asynchronous; provider options must validate synchronously`,
    );
  }
  if (!result.issues) return result.value;
  throw optionsError(result.issues, schema, context.provider, where, fromEnv);
}

/** The result of a Standard Schema's `validate`. zod passes its own issue objects through as the issues. */
type StandardResult<Output> =
  | { value: Output; issues?: undefined }
  | { issues: readonly (z.core.$ZodIssue | { message: string; path?: readonly unknown[] })[] };

function optionsError(
  issues: readonly (z.core.$ZodIssue | { message: string; path?: readonly unknown[] })[],
  schema: unknown,
  provider: string,
  where: string,
  fromEnv: ReadonlyMap<string, string>,
): ConfigurationError {
  const first = issues[0]!;
  const known = schemaKeys(schema);
  if (!('code' in first)) {
    // A schema of another library: its message is all we know.
    const path = (first.path ?? []).map((part) => String((part as { key?: unknown }).key ?? part));
    return new ConfigurationError(`option ${[provider, ...path].join('.')}${where} ${first.message}`);
  }
  const issue = first;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    const prefix = [provider, ...issue.path.map(String)].join('.');
    return new ConfigurationError(
      `${prefix}.${key}${where} is not an option of the ${provider} provider${didYouMean(key, issue.path.length ? [] : known)}${issue.path.length ? '' : ` (options: ${known.join(', ')})`}`,
      { details: { key: `${prefix}.${key}`, allowed: known } },
    );
  }
  const path = issue.path.map(String);
  const key = [provider, ...path].join('.');
  const envName = path.length > 0 ? fromEnv.get(path[0]!) : undefined;
  const source = envName ? ` (from the environment variable ${envName})` : where;
  return new ConfigurationError(`option ${key}${source} ${describeIssue(issue)}`, {
    details: { key, ...(envName ? { env: envName } : {}) },
  });
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_union') {
    // Every branch failed; the branch whose type matched says the most.
    const inner = issue.errors.flat().find((candidate) => candidate.code !== 'invalid_type');
    if (inner) return describeIssue(inner);
  }
  if (issue.code === 'invalid_value') {
    return `must be one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
  }
  const message = issue.message.replace(/^Invalid input: /, '');
  return /^must /.test(message) ? message : `is invalid: ${message}`;
}

/** The top-level option names of an object schema. */
export function schemaKeys(schema: unknown): string[] {
  // Walk through wrappers (a `.transform()` pipe, `.optional()`, `.default()`) to the object schema.
  let current = schema as
    | { shape?: Record<string, unknown>; _zod?: { def?: Record<string, unknown> } }
    | undefined;
  for (let depth = 0; current && depth < 8; depth++) {
    if (current.shape) return Object.keys(current.shape);
    const def = current._zod?.def;
    current = (def?.in ?? def?.innerType) as typeof current;
  }
  return [];
}
