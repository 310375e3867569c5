import { booleanSetting, integerSetting, parseProviderOptions, textSetting } from '@taskport/provider-utils';
import { z } from 'zod';
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

/**
 * The `docker:` section of taskport.yaml. This module imports nothing that talks to an engine, so
 * `@taskport/docker/options` validates a section cheaply.
 */
export const dockerOptionsSchema = z.strictObject({
  host: textSetting()
    .superRefine((value, context) => {
      try {
        parseDockerHost(value);
      } catch (error) {
        context.addIssue({
          code: 'custom',
          message: `must be an engine address: ${(error as Error).message}`,
        });
      }
    })
    .default(DEFAULT_DOCKER_HOST)
    .meta({
      description: 'Engine address, unix:///path/docker.sock or tcp://host:port. Falls back to DOCKER_HOST.',
    }),
  tls: booleanSetting().default(false).meta({
    description:
      'HTTPS to a tcp engine with the client certificate in certPath. Falls back to DOCKER_TLS_VERIFY.',
  }),
  certPath: textSetting().optional().meta({
    description:
      'Directory of ca.pem, cert.pem, key.pem (default ~/.docker). Falls back to DOCKER_CERT_PATH.',
  }),
  apiVersion: textSetting()
    .regex(/^v?1\.\d+$/, 'must be an Engine API version such as 1.41')
    .default(DEFAULT_API_VERSION)
    .meta({ description: 'Engine API version in request paths. Falls back to DOCKER_API_VERSION.' }),
  networkMode: textSetting().optional().meta({
    description:
      "NetworkMode of task containers: none, bridge, host, or a network name (default: the engine's).",
  }),
  killGraceSeconds: integerSetting(0, 3600)
    .default(10)
    .meta({ description: 'Seconds between SIGTERM and SIGKILL when a task is killed or times out.' }),
  pullPolicy: z.enum(['missing', 'always', 'never']).default('missing').meta({
    description: 'missing: pull when absent; always: pull before every start; never: fail when absent.',
  }),
  secrets: z.enum(['stdin', 'env']).default('stdin').meta({
    description:
      'stdin: secrets on the container stdin, not in docker inspect (image needs /bin/sh); env: plain container environment, readable by anyone who can reach the engine.',
  }),
  user: textSetting()
    .optional()
    .meta({ description: "User of task containers, uid[:gid] or a name (default: the image's)." }),
  workingDir: textSetting()
    .regex(/^\//, 'must be an absolute path')
    .optional()
    .meta({ description: "Working directory of task containers (default: the image's)." }),
  pidsLimit: integerSetting(1, 4_194_304).optional().meta({ description: 'PidsLimit of task containers.' }),
  readonlyRootfs: booleanSetting()
    .default(false)
    .meta({ description: 'Mount the root filesystem read-only.' }),
  logDriver: textSetting()
    .default('json-file')
    .meta({ description: 'Log driver of task containers; one the engine reads back (json-file, local).' }),
  logOptions: z.record(z.string(), z.string()).optional().meta({
    description:
      'Log driver options, e.g. { max-size: 100m, max-file: "3" } (rotation drops the oldest output).',
  }),
  retentionHours: integerSetting(0, 1_000_000)
    .default(168)
    .meta({ description: 'prune removes finished task containers (and their logs) older than this.' }),
  timeoutWatchdog: booleanSetting().default(true).meta({
    description:
      'Start a detached watchdog process per task with a timeout, so it holds with nobody watching.',
  }),
  startGraceSeconds: integerSetting(1, 86_400)
    .default(120)
    .meta({ description: 'A container created but never started after this long is FAILED_TO_START.' }),
  requestTimeoutMs: integerSetting(1000, 3_600_000)
    .default(60_000)
    .meta({ description: 'Limit of ordinary engine calls, in ms.' }),
});

/** Settings of the docker provider (config section `docker:`), after defaults. See docs/providers/docker.md. */
export type DockerOptions = z.output<typeof dockerOptionsSchema>;
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
