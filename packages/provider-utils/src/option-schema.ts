import { ConfigurationError, type OptionsSchema } from '@taskport/core';
import * as v from 'valibot';
import { didYouMean } from './did-you-mean.js';

/*
 * Option schemas are valibot objects (docs/adr/005-option-schemas-with-valibot.md: it costs the least
 * start-up of the schema libraries, which every CLI call pays). Values reach them from three places -
 * YAML (typed), JSON (typed) and environment variables (always strings) - so the scalar helpers below
 * accept both the typed value and its string spelling, and reject anything else with a message that says
 * what is expected.
 */

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

/** A boolean option: `true`/`false`, or from the environment `true|false|1|0|yes|no|on|off`. */
export function booleanSetting() {
  const message = 'must be true or false';
  return v.union(
    [
      v.boolean(),
      v.pipe(
        v.string(),
        v.rawTransform(({ dataset, addIssue, NEVER }) => {
          const lower = dataset.value.trim().toLowerCase();
          if (TRUE.has(lower)) return true;
          if (FALSE.has(lower)) return false;
          addIssue({ message: `${message}, got ${JSON.stringify(dataset.value)}` });
          return NEVER;
        }),
      ),
    ],
    message,
  );
}

/** A whole-number option within [min, max]; `"5000"` from the environment is accepted as 5000. */
export function integerSetting(min: number, max: number) {
  const message = `must be a whole number from ${min} to ${max}`;
  return v.pipe(
    v.union(
      [v.number(), v.pipe(v.string(), v.regex(/^\s*-?\d+\s*$/, message), v.transform(Number))],
      message,
    ),
    v.integer(message),
    v.minValue(min, message),
    v.maxValue(max, message),
  );
}

/** A positive number (fractions allowed) up to `max`; strings from the environment are accepted. */
export function numberSetting(minExclusive: number, max: number) {
  const message = `must be a number above ${minExclusive} and at most ${max}`;
  return v.pipe(
    v.union(
      [v.number(), v.pipe(v.string(), v.regex(/^\s*\d+(\.\d+)?\s*$/, message), v.transform(Number))],
      message,
    ),
    v.gtValue(minExclusive, message),
    v.maxValue(max, message),
  );
}

/** A list of non-empty strings; from the environment a comma-separated string (`subnet-1,subnet-2`). */
export function listSetting() {
  const message = 'must be a list of non-empty strings (or a comma-separated string)';
  return v.union(
    [
      v.array(v.pipe(v.string(message), v.trim(), v.minLength(1, message)), message),
      v.pipe(
        v.string(),
        v.transform((value) =>
          value
            .split(',')
            .map((part) => part.trim())
            .filter(Boolean),
        ),
      ),
    ],
    message,
  );
}

/** A non-empty, trimmed string, optionally of a given shape (`pattern`, with what it means). */
export function textSetting(pattern?: RegExp, expected?: string) {
  const text = v.pipe(v.string('must be a string'), v.trim(), v.minLength(1, 'must not be empty'));
  return pattern ? v.pipe(text, v.regex(pattern, expected ?? `must match ${pattern}`)) : text;
}

/** An optional option with its description (it ends up in docs/taskport.schema.json). */
export function describedOption<Schema extends v.GenericSchema>(schema: Schema, description: string) {
  return v.optional(v.pipe(schema, v.description(description)));
}

/** An optional option with its default and its description. */
export function describedDefault<Schema extends v.GenericSchema>(
  schema: Schema,
  fallback: v.InferOutput<Schema>,
  description: string,
) {
  return v.optional(v.pipe(schema, v.description(description)), fallback as never);
}

/** The `retry:` block every provider accepts: provider-utils' RetryPolicy, each field optional. */
export const retryPolicySetting = v.strictObject({
  maxAttempts: v.optional(integerSetting(1, 100)),
  baseDelayMs: v.optional(integerSetting(0, 60_000)),
  throttleBaseDelayMs: v.optional(integerSetting(0, 60_000)),
  maxDelayMs: v.optional(integerSetting(0, 600_000)),
  budgetMs: v.optional(integerSetting(0, 3_600_000)),
});

/** A strict options object: an unknown key is a typo until proven otherwise. */
export type OptionsObjectSchema = v.StrictObjectSchema<v.ObjectEntries, undefined>;

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

/** One issue of a Standard Schema; valibot's carry more (type, expected, received, nested issues). */
interface SchemaIssue {
  kind?: string;
  message: string;
  path?: readonly unknown[];
  type?: string;
  expected?: string | null;
  received?: string;
  issues?: readonly SchemaIssue[];
}

type StandardResult<Output> = { value: Output; issues?: undefined } | { issues: readonly SchemaIssue[] };

/**
 * Validates a provider's options against its schema (any Standard Schema; the messages are best for
 * valibot's), after filling absent keys from the environment and the environment-derived defaults.
 * @throws ConfigurationError naming the key (`aws.clustr` -> `did you mean "cluster"?`), the environment
 *   variable a bad value came from, and what is expected
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
  // YAML's `key:` with no value is null: read it as "not set", as every default expects.
  for (const key of Object.keys(merged)) if (merged[key] === null) delete merged[key];
  const result = schema['~standard'].validate(merged) as StandardResult<Options> | Promise<unknown>;
  if (result instanceof Promise) {
    throw new ConfigurationError(
      `the options schema of the ${context.provider} provider is asynchronous; provider options must validate synchronously`,
    );
  }
  if (!result.issues) return result.value;
  throw optionsError(result.issues[0]!, schema, context.provider, where, fromEnv);
}

function pathOf(issue: SchemaIssue): string[] {
  return (issue.path ?? []).map((part) => String((part as { key?: unknown }).key ?? part));
}

function optionsError(
  issue: SchemaIssue,
  schema: unknown,
  provider: string,
  where: string,
  fromEnv: ReadonlyMap<string, string>,
): ConfigurationError {
  const path = pathOf(issue);
  const key = [provider, ...path].join('.');
  if (issue.type === 'strict_object' && issue.expected === 'never') {
    // An unknown key: suggest the nearest known one at the same level.
    const known = path.length === 1 ? schemaKeys(schema) : [];
    const listed = known.length ? ` (options: ${known.join(', ')})` : '';
    return new ConfigurationError(
      `${key}${where} is not an option of the ${provider} provider${didYouMean(path.at(-1) ?? '', known)}${listed}`,
      { details: { key, allowed: known } },
    );
  }
  const envName = path.length > 0 ? fromEnv.get(path[0]!) : undefined;
  const source = envName ? ` (from the environment variable ${envName})` : where;
  return new ConfigurationError(`option ${key}${source} ${describeIssue(issue)}`, {
    details: { key, ...(envName ? { env: envName } : {}) },
  });
}

function describeIssue(issue: SchemaIssue): string {
  if (issue.type === 'union' && issue.issues) {
    // The branch whose type matched failed on a check or transform: its message says the most.
    const inner = issue.issues.find((candidate) => candidate.kind !== 'schema');
    if (inner) return describeIssue(inner);
  }
  if (issue.type === 'strict_object' && issue.received === 'undefined') return 'is required';
  if (issue.type === 'picklist' && issue.expected) {
    return `must be one of ${issue.expected
      .replace(/^\(|\)$/g, '')
      .split(' | ')
      .join(', ')}`;
  }
  if (/^must /.test(issue.message)) return issue.message;
  return `is invalid: ${issue.message}`;
}

/** The top-level option names of an object schema (through pipes and optional wrappers). */
export function schemaKeys(schema: unknown): string[] {
  let current = schema as
    | { entries?: Record<string, unknown>; pipe?: unknown[]; wrapped?: unknown }
    | undefined;
  for (let depth = 0; current && depth < 8; depth++) {
    if (current.entries) return Object.keys(current.entries);
    current = (current.pipe?.[0] ?? current.wrapped) as typeof current;
  }
  return [];
}
