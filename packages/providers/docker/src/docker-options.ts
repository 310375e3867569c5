import { booleanSetting, integerSetting, parseProviderOptions, textSetting } from '@taskport/provider-utils';
import * as v from 'valibot';
import { DEFAULT_API_VERSION, DEFAULT_DOCKER_HOST, parseDockerHost } from './docker-engine.js';

/** When the executor pulls the task's image. */
export type PullPolicy = 'missing' | 'always' | 'never';

/**
 * How secrets reach the container:
 * - `stdin`: written to the container's stdin once it started and exported by a fixed `/bin/sh` prelude
 *   before the command is exec'd, so they are not in `docker inspect` (needs `/bin/sh` in the image);
 * - `env`: as plain container environment, which anyone who can reach the engine reads with
 *   `docker inspect`. Opt-in. See ADR 022-docker.
 */
export type SecretsDelivery = 'stdin' | 'env';

const describe = v.description;

/** An optional option without a default, with its description for the JSON Schema. */
function option<Schema extends v.GenericSchema>(schema: Schema, description: string) {
  return v.optional(v.pipe(schema, describe(description)));
}
/** An optional option with its default and its description. */
function withDefault<Schema extends v.GenericSchema>(
  schema: Schema,
  fallback: v.InferOutput<Schema>,
  description: string,
) {
  return v.optional(v.pipe(schema, describe(description)), fallback as never);
}

/** An engine address in a form `parseDockerHost` reads (the check itself says what is wrong). */
const engineAddress = v.pipe(
  textSetting(),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    try {
      parseDockerHost(dataset.value);
    } catch (error) {
      addIssue({ message: `must be an engine address: ${(error as Error).message}` });
    }
  }),
);

/**
 * The `docker:` section of taskport.yaml. This module imports nothing that talks to an engine, so
 * `@taskport/docker/options` validates a section cheaply.
 */
export const dockerOptionsSchema = v.strictObject({
  host: withDefault(
    engineAddress,
    DEFAULT_DOCKER_HOST,
    'Engine address, unix:///path/docker.sock or tcp://host:port. Falls back to DOCKER_HOST.',
  ),
  tls: withDefault(
    booleanSetting(),
    false,
    'HTTPS to a tcp engine with the client certificate in certPath. Falls back to DOCKER_TLS_VERIFY.',
  ),
  certPath: option(
    textSetting(),
    'Directory of ca.pem, cert.pem, key.pem (default ~/.docker). Falls back to DOCKER_CERT_PATH.',
  ),
  apiVersion: withDefault(
    textSetting(/^v?1\.\d+$/, 'must be an Engine API version such as 1.41'),
    DEFAULT_API_VERSION,
    'Engine API version in request paths. Falls back to DOCKER_API_VERSION.',
  ),
  networkMode: option(
    textSetting(),
    "NetworkMode of task containers: none, bridge, host, or a network name (default: the engine's).",
  ),
  killGraceSeconds: withDefault(
    integerSetting(0, 3600),
    10,
    'Seconds between SIGTERM and SIGKILL when a task is killed or times out.',
  ),
  pullPolicy: withDefault(
    v.picklist(['missing', 'always', 'never']),
    'missing',
    'missing: pull when absent; always: pull before every start; never: fail when absent.',
  ),
  secrets: withDefault(
    v.picklist(['stdin', 'env']),
    'stdin',
    'stdin: secrets on the container stdin, not in docker inspect (image needs /bin/sh); env: plain container environment, readable by anyone who can reach the engine.',
  ),
  user: option(textSetting(), "User of task containers, uid[:gid] or a name (default: the image's)."),
  workingDir: option(
    textSetting(/^\//, 'must be an absolute path'),
    "Working directory of task containers (default: the image's).",
  ),
  pidsLimit: option(integerSetting(1, 4_194_304), 'PidsLimit of task containers.'),
  readonlyRootfs: withDefault(booleanSetting(), false, 'Mount the root filesystem read-only.'),
  logDriver: withDefault(
    textSetting(),
    'json-file',
    'Log driver of task containers; one the engine reads back (json-file, local).',
  ),
  logOptions: option(
    v.record(v.string(), v.string('must be a string')),
    'Log driver options, e.g. { max-size: 100m, max-file: "3" } (rotation drops the oldest output).',
  ),
  retentionHours: withDefault(
    integerSetting(0, 1_000_000),
    168,
    'prune removes finished task containers (and their logs) older than this.',
  ),
  timeoutWatchdog: withDefault(
    booleanSetting(),
    true,
    'Start a detached watchdog process per task with a timeout, so it holds with nobody watching.',
  ),
  startGraceSeconds: withDefault(
    integerSetting(1, 86_400),
    120,
    'A container created but never started after this long is FAILED_TO_START.',
  ),
  requestTimeoutMs: withDefault(
    integerSetting(1000, 3_600_000),
    60_000,
    'Limit of ordinary engine calls, in ms.',
  ),
});

/** Settings of the docker provider (config section `docker:`), after defaults. See docs/providers/docker.md. */
export type DockerOptions = v.InferOutput<typeof dockerOptionsSchema>;
/** What callers may pass: every field is optional. */
export type DockerOptionsInput = Partial<DockerOptions>;

/** The `docker.*` options fall back to these environment variables, as the docker CLI reads them. */
export const dockerOptionEnv = {
  host: 'DOCKER_HOST',
  tls: 'DOCKER_TLS_VERIFY',
  certPath: 'DOCKER_CERT_PATH',
  apiVersion: 'DOCKER_API_VERSION',
} as const;

/**
 * Validates options, argument first, then environment, and applies defaults.
 * @throws ConfigurationError naming the key (`docker.pullPolicy`) and what is expected
 */
export function parseDockerOptions(
  raw: unknown = {},
  env: Readonly<Record<string, string | undefined>> = {},
): DockerOptions {
  return parseProviderOptions(dockerOptionsSchema, raw, {
    provider: 'docker',
    env,
    optionEnv: dockerOptionEnv,
  }) as DockerOptions;
}

/** The light `@taskport/docker/options` entry. */
export { dockerOptionEnv as optionEnv, dockerOptionsSchema as optionsSchema };
