import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { booleanSetting, integerSetting, parseProviderOptions, textSetting } from '@taskport/provider-utils';
import * as v from 'valibot';

export type BackendLogLevel = 'debug' | 'info' | 'warn' | 'error';

const describe = v.description;

/**
 * The local provider's section of taskport.yaml. Every field is optional: with none, taskport works out
 * of the box. Only imports valibot and provider-utils, so the composition root can validate a `local:`
 * section without loading the provider.
 */
export const localOptionsSchema = v.pipe(
  v.strictObject({
    dataDir: v.optional(
      v.pipe(
        textSetting(),
        v.transform((path: string) => resolve(path)),
        describe(
          'Directory of the SQLite database (tasks, their output, executions, images, backend logs); created 0700 when missing. Default: $TASKPORT_DATA_DIR, else $XDG_STATE_HOME/taskport, else ~/.local/state/taskport.',
        ),
      ),
    ),
    killGraceMs: v.optional(
      v.pipe(
        integerSetting(0, 3_600_000),
        describe('Time a killed or timed-out task gets between SIGTERM and SIGKILL, in ms.'),
      ),
      10_000,
    ),
    inheritEnv: v.optional(
      v.pipe(
        booleanSetting(),
        describe(
          'Whether tasks inherit the whole environment of the process that starts them. When false they get only PATH, HOME, USER, LOGNAME, SHELL, LANG, LC_ALL, TZ, TMPDIR and TERM, plus the request env and secrets.',
        ),
      ),
      false,
    ),
    pollIntervalMs: v.optional(
      v.pipe(
        integerSetting(1, 60_000),
        describe('First poll interval of a following log stream, in ms (backs off while idle).'),
      ),
      50,
    ),
    maxPollIntervalMs: v.optional(
      v.pipe(
        integerSetting(1, 60_000),
        describe('Upper bound of the follow poll interval, in ms. Default: max(500, pollIntervalMs).'),
      ),
    ),
    backendLogLevel: v.optional(
      v.pipe(
        v.picklist(['debug', 'info', 'warn', 'error']),
        describe("Lowest level of the Service's own log lines kept for `taskport trace`."),
      ),
      'info',
    ),
  }),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const options = dataset.value;
    const maxPollIntervalMs = options.maxPollIntervalMs ?? Math.max(500, options.pollIntervalMs);
    if (maxPollIntervalMs < options.pollIntervalMs) {
      addIssue({
        message: `must be at least pollIntervalMs (${options.pollIntervalMs})`,
        path: [
          {
            type: 'object',
            origin: 'value',
            input: options as Record<string, unknown>,
            key: 'maxPollIntervalMs',
            value: options.maxPollIntervalMs,
          },
        ],
      });
      return NEVER;
    }
    return { ...options, maxPollIntervalMs };
  }),
);

/** Options of the local provider, after defaults. `dataDir` is always set once parsed by the container. */
export type LocalOptions = Omit<v.InferOutput<typeof localOptionsSchema>, 'dataDir'> & { dataDir: string };

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
