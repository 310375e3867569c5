import { parseArgs } from 'node:util';
import { durationTextSeconds } from '@taskport/core';
import { UsageError } from './usage-error.js';

/** One command-line option: what `parseArgs` needs plus what `--help` shows. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** Placeholder shown in help, e.g. `REF`. */
  value?: string;
  description: string;
}

export type OptionSpecs = Record<string, OptionSpec>;
export type OptionValues = Record<string, string | boolean | string[] | boolean[] | undefined>;

/** Options every command accepts, before or after the command name. */
export const GLOBAL_OPTIONS: OptionSpecs = {
  'data-dir': {
    type: 'string',
    value: 'DIR',
    description: 'where the local provider keeps its state (env TASKPORT_DATA_DIR)',
  },
  config: { type: 'string', value: 'FILE', description: 'deployment config file (env TASKPORT_CONFIG)' },
  server: {
    type: 'string',
    value: 'URL',
    description:
      'send the command to a taskport server (env TASKPORT_SERVER, key TASKPORT_API_KEY or taskport login)',
  },
  'no-color': { type: 'boolean', description: 'never colour the output (also: NO_COLOR=1)' },
  help: { type: 'boolean', short: 'h', description: 'show help for the command' },
};

export interface ParsedArgs {
  values: OptionValues;
  positionals: string[];
}

/**
 * `parseArgs` with strict checking, turning its errors into one-line UsageErrors that say what to fix.
 * `command` is used in messages (`taskport run: ...`).
 */
export function parseCommandArgs(
  command: string,
  args: string[],
  options: OptionSpecs,
  maxPositionals: number,
): ParsedArgs {
  const config: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, spec] of Object.entries({ ...options, ...GLOBAL_OPTIONS })) {
    config[name] = {
      type: spec.type,
      ...(spec.short ? { short: spec.short } : {}),
      ...(spec.multiple ? { multiple: true } : {}),
    };
  }
  let parsed: ParsedArgs;
  try {
    parsed = parseArgs({ args, options: config, strict: true, allowPositionals: true }) as ParsedArgs;
  } catch (error) {
    throw new UsageError(describeParseError(command, error));
  }
  if (parsed.positionals.length > maxPositionals && !parsed.values.help) {
    const extra = parsed.positionals[maxPositionals];
    throw new UsageError(`unexpected argument "${extra}"; see 'taskport ${command} --help'`);
  }
  return parsed;
}

function describeParseError(command: string, error: unknown): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const option = /'([^' ]+)/.exec(message)?.[1] ?? '';
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return command === 'run'
        ? `unknown option ${option}; options go before "--" and the command after it: taskport run [options] -- <command...>`
        : `unknown option ${option}; see 'taskport ${command} --help'`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/argument missing/.test(message))
        return `${option} needs a value; see 'taskport ${command} --help'`;
      // `--timeout -5m`: a value that starts with "-" reads as another option.
      if (/ambiguous/.test(message)) {
        return `${option} needs a value, and a value starting with "-" must be joined to it (${option}=-...); negative values are not allowed`;
      }
      return `${option} does not take a value`;
    default:
      return `${message}; see 'taskport ${command} --help'`;
  }
}

/** The last value of a string option (options given twice: the last one wins, as in most CLIs). */
export function stringOption(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  if (Array.isArray(value)) return value.at(-1) as string | undefined;
  return typeof value === 'string' ? value : undefined;
}

export function listOption(values: OptionValues, name: string): string[] {
  const value = values[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
}

/**
 * `NAME=value` pairs (`--env`, `--label`). With `fromEnvironment`, a bare `NAME` takes its value from
 * this process's environment, as `docker run -e NAME` does.
 */
export function parseKeyValues(
  flag: string,
  items: string[],
  fromEnvironment?: NodeJS.ProcessEnv,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    let key: string;
    let value: string | undefined;
    if (eq === -1) {
      key = item;
      value = fromEnvironment?.[item];
      if (!fromEnvironment) throw new UsageError(`${flag} "${item}" must be KEY=VALUE`);
      if (value === undefined) {
        throw new UsageError(
          `${flag} ${item}: no value given and ${item} is not set here; use ${flag} ${item}=VALUE`,
        );
      }
    } else {
      key = item.slice(0, eq);
      value = item.slice(eq + 1);
    }
    if (key === '') throw new UsageError(`${flag} "${item}" has an empty name; use ${flag} KEY=VALUE`);
    out[key] = value;
  }
  return out;
}

/**
 * A duration such as `30s`, `5m`, `1h30m`, `2d` or a bare number of seconds, in whole seconds, at most
 * `maxSeconds`.
 * @throws UsageError naming the flag and the accepted forms
 */
export function parseDurationSeconds(
  flag: string,
  text: string,
  maxSeconds = Number.MAX_SAFE_INTEGER,
): number {
  const trimmed = text.trim();
  const seconds = /^\d+$/.test(trimmed) ? Number(trimmed) : durationTextSeconds(trimmed);
  if (trimmed.startsWith('-'))
    throw new UsageError(`${flag} "${text}" must be positive; use e.g. 30s, 5m, 1h30m`);
  if (!Number.isSafeInteger(seconds) || seconds <= 0) {
    throw new UsageError(
      `${flag} "${text}" is not a duration; use e.g. 30s, 5m, 1h30m, 2d (whole seconds at least)`,
    );
  }
  if (seconds > maxSeconds) {
    throw new UsageError(
      `${flag} "${text}" is too long; the longest allowed is ${describeSeconds(maxSeconds)}`,
    );
  }
  return seconds;
}

/** `7d`, `1h30m`, `45s`: the shortest duration text for a number of seconds. */
export function describeSeconds(total: number): string {
  const parts: string[] = [];
  let rest = total;
  for (const [unit, size] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join('') || '0s';
}

/** A whole number within bounds, for flags like `--limit` and `--cpu`. */
export function parseInteger(flag: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const trimmed = text.trim();
  const n = /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `from ${min} to ${max}`;
    throw new UsageError(`${flag} "${text}" must be a whole number ${range}`);
  }
  return n;
}
