import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { booleanSetting, integerSetting, parseProviderOptions, textSetting } from '@taskport/provider-utils';
import { z } from 'zod';

export type BackendLogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * The local provider's section of taskport.yaml. Every field is optional: with none, taskport works out
 * of the box. Only imports zod and provider-utils, so the composition root can validate a `local:` section
 * without loading the provider.
 */
export const localOptionsSchema = z
  .strictObject({
    dataDir: textSetting()
      .transform((path) => resolve(path))
      .optional()
      .meta({
        description:
          'Directory of the SQLite database (tasks, their output, executions, images, backend logs); created 0700 when missing. Default: $TASKPORT_DATA_DIR, else $XDG_STATE_HOME/taskport, else ~/.local/state/taskport.',
      }),
    killGraceMs: integerSetting(0, 3_600_000)
      .default(10_000)
      .meta({ description: 'Time a killed or timed-out task gets between SIGTERM and SIGKILL, in ms.' }),
    inheritEnv: booleanSetting().default(false).meta({
      description:
        'Whether tasks inherit the whole environment of the process that starts them. When false they get only PATH, HOME, USER, LOGNAME, SHELL, LANG, LC_ALL, TZ, TMPDIR and TERM, plus the request env and secrets.',
    }),
    pollIntervalMs: integerSetting(1, 60_000)
      .default(50)
      .meta({ description: 'First poll interval of a following log stream, in ms (backs off while idle).' }),
    maxPollIntervalMs: integerSetting(1, 60_000).optional().meta({
      description: 'Upper bound of the follow poll interval, in ms. Default: max(500, pollIntervalMs).',
    }),
    backendLogLevel: z
      .enum(['debug', 'info', 'warn', 'error'])
      .default('info')
      .meta({ description: "Lowest level of the Service's own log lines kept for `taskport trace`." }),
  })
  .transform((options, context) => {
    const maxPollIntervalMs = options.maxPollIntervalMs ?? Math.max(500, options.pollIntervalMs);
    if (maxPollIntervalMs < options.pollIntervalMs) {
      context.addIssue({
        code: 'custom',
        path: ['maxPollIntervalMs'],
        message: `must be at least pollIntervalMs (${options.pollIntervalMs})`,
      });
    }
    return { ...options, maxPollIntervalMs };
  });

/** Options of the local provider, after defaults. `dataDir` is always set once parsed by the container. */
export type LocalOptions = Omit<z.output<typeof localOptionsSchema>, 'dataDir'> & { dataDir: string };

/** `local.dataDir` falls back to this variable ("argument first, then environment"). */
export const localOptionEnv = { dataDir: 'TASKPORT_DATA_DIR' } as const;

/** The default data directory when neither the file nor TASKPORT_DATA_DIR names one: the XDG state directory. */
export function defaultDataDir(env: Readonly<Record<string, string | undefined>>): string {
  const explicit = env.TASKPORT_DATA_DIR?.trim();
  if (explicit) return resolve(explicit);
  // The XDG spec says relative values are invalid and must be ignored.
  const stateHome = env.XDG_STATE_HOME?.trim();
  if (stateHome && isAbsolute(stateHome)) return join(stateHome, 'taskport');
  const home = env.HOME?.trim() || homedir();
  return join(home, '.local', 'state', 'taskport');
}

/** Defaults that depend on the environment, applied to absent keys before validation. */
export function localEnvironmentDefaults(env: Readonly<Record<string, string | undefined>>) {
  return { dataDir: defaultDataDir(env) };
}

/**
 * Validates the local provider's options, applying environment fallbacks and defaults.
 * @throws ConfigurationError naming the bad key (`local.killGraceMs`) and what is expected
 */
export function parseLocalOptions(
  raw: unknown,
  env: Readonly<Record<string, string | undefined>> = process.env,
): LocalOptions {
  return parseProviderOptions(localOptionsSchema, raw, {
    provider: 'local',
    env,
    optionEnv: localOptionEnv,
    environmentDefaults: localEnvironmentDefaults(env),
  }) as LocalOptions;
}

/** The light `@taskport/local/options` entry: the schema and its environment variables, no adapter code. */
export { localOptionEnv as optionEnv, localOptionsSchema as optionsSchema };
