import type { LoggingServiceV2Client } from '@google-cloud/logging-api';
import type { ExecutionsClient, JobsClient, TasksClient } from '@google-cloud/run';
import {
  describedDefault,
  describedOption,
  integerSetting,
  listSetting,
  parseProviderOptions,
  type RetryPolicy,
  retryPolicySetting,
  textSetting,
} from '@taskport/provider-utils';
import * as v from 'valibot';

/*
 * The `gcp-cloudrun:` section of taskport.yaml. This module imports no Google code (the client types are
 * type-only), so `@taskport/gcp-cloudrun/options` validates a section without loading the ~370 modules of
 * the Google clients.
 */

export const PROVIDER = 'gcp-cloudrun';

/** The four API clients the adapters use. Pass your own (`clients`) to control credentials or channels. */
export interface GcpClients {
  jobs: JobsClient;
  executions: ExecutionsClient;
  tasks: TasksClient;
  logging: LoggingServiceV2Client;
}

/** Options of the Google Cloud provider (the `gcp-cloudrun:` section of the deployment config). */
export interface GcpOptions {
  /** Project the jobs and logs live in. Falls back to GOOGLE_CLOUD_PROJECT (see gcpOptionEnv). */
  project: string;
  /** Cloud Run region, e.g. `europe-west1`. Falls back to TASKPORT_GCP_REGION. */
  region: string;
  /** A service-account JSON key file. Absent: Application Default Credentials. */
  credentials?: { keyFile: string };
  /** `host:port` of both APIs; a loopback address is spoken to without TLS or credentials (the test fake). */
  endpoint?: string;
  /** VPC access of the jobs: a Serverless VPC Access connector, or direct VPC egress. */
  network?: {
    connector?: string;
    network?: string;
    subnetwork?: string;
    tags?: string[];
    /** @default 'private-ranges-only' */
    egress?: 'all-traffic' | 'private-ranges-only';
  };
  /** Service account of jobs whose image names no `permissions.taskRole`. @default the default compute account */
  serviceAccount?: string;
  /** Prefix of every job name, label and annotation taskport writes. @default 'taskport' */
  labelPrefix: string;
  /** Name of the one container of every job. @default 'task' */
  containerName: string;
  /** Task timeout of runs that give no `timeoutSeconds`. @default 86400 */
  defaultTimeoutSeconds: number;
  /** Secrets that are not Secret Manager references: plain run environment, or refused. @default 'env' */
  plainSecrets: 'env' | 'reject';
  /** How long a following log stream keeps reading after the execution ended. @default 5000 */
  logIngestionDelayMs: number;
  /** ListLogEntries page size. @default 1000 */
  logPageSize: number;
  /** Log id of taskport's own lines. @default 'taskport-backend' */
  backendLogName: string;
  /** How far back `taskport trace` looks, in hours. @default 168 */
  backendLogLookbackHours: number;
  /** How far back a start looks for an execution of the same idempotency key, in hours. @default 24 */
  idempotencyLookbackHours: number;
  /** Bound of every wait on a long-running operation. @default 60000 */
  operationTimeoutMs: number;
  /** Deadline of one API call. @default 30000 */
  callTimeoutMs: number;
  /** Pre-built Google clients (any subset); the rest are built from the options. */
  clients?: Partial<GcpClients>;
  /** Retries of throttles and transient failures of calls that are safe to repeat. */
  retry?: RetryPolicy;
}

/** What callers may pass: project and region are required (or come from the environment). */
export type GcpOptionsInput = Partial<GcpOptions>;

const describe = v.description;
const option = describedOption;
const withDefault = describedDefault;
const retryPolicySchema = retryPolicySetting;

export const gcpOptionsSchema = v.strictObject({
  project: v.pipe(
    textSetting(/^[a-z0-9][a-z0-9:.-]{0,61}[a-z0-9]$/, 'must be a Google Cloud project id'),
    describe('Project the jobs and logs live in. Falls back to GOOGLE_CLOUD_PROJECT.'),
  ),
  region: v.pipe(
    textSetting(/^[a-z]+(?:-[a-z]+)+\d+$/, 'must be a Cloud Run region such as europe-west1'),
    describe('Cloud Run region, e.g. europe-west1. Falls back to TASKPORT_GCP_REGION.'),
  ),
  credentials: option(
    v.strictObject({ keyFile: textSetting() }),
    'A service-account JSON key file. Absent: Application Default Credentials (metadata server, GOOGLE_APPLICATION_CREDENTIALS, gcloud).',
  ),
  endpoint: option(
    textSetting(/^(\[[0-9a-fA-F:]+\]|[^:/\s]+):\d+$/, 'must be host:port'),
    'host:port of the Cloud Run and Cloud Logging APIs. A loopback address is spoken to without TLS or credentials (the test fake). Falls back to TASKPORT_GCP_ENDPOINT.',
  ),
  network: option(
    v.pipe(
      v.strictObject({
        connector: v.optional(textSetting()),
        network: v.optional(textSetting()),
        subnetwork: v.optional(textSetting()),
        tags: v.optional(listSetting()),
        egress: v.optional(
          v.picklist(['all-traffic', 'private-ranges-only'], 'must be all-traffic or private-ranges-only'),
        ),
      }),
      v.check(
        (n) => !(n.connector && (n.network || n.subnetwork)),
        'use either connector (Serverless VPC Access) or network/subnetwork (direct VPC egress), not both',
      ),
    ),
    'How the jobs reach a VPC: a Serverless VPC Access connector, or direct VPC egress (network, subnetwork, tags); egress defaults to private-ranges-only.',
  ),
  serviceAccount: option(
    v.pipe(textSetting(), v.email('must be a service account email')),
    "Service account the jobs run as when the image names none (permissions.taskRole). Absent: the project's default compute service account.",
  ),
  labelPrefix: withDefault(
    textSetting(/^[a-z][a-z0-9]{0,19}$/, 'must be 1-20 lowercase letters or digits, starting with a letter'),
    'taskport',
    'Prefix of every job name, label and annotation taskport writes.',
  ),
  containerName: withDefault(
    textSetting(/^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a DNS label'),
    'task',
    'Name of the one container of every job.',
  ),
  defaultTimeoutSeconds: withDefault(
    integerSetting(1, 168 * 3600),
    86_400,
    "Task timeout of runs that give no timeoutSeconds (Cloud Run's own default is 600).",
  ),
  plainSecrets: withDefault(
    v.picklist(['env', 'reject'], 'must be env or reject'),
    'env',
    'Secrets that are not Secret Manager references (projects/P/secrets/NAME[/versions/V]): "env" passes them as plain run environment (readable by anyone allowed run.executions.get); "reject" refuses them.',
  ),
  logIngestionDelayMs: withDefault(
    integerSetting(0, 300_000),
    5000,
    'How long a following log stream keeps reading after the execution ended, in ms.',
  ),
  logPageSize: withDefault(integerSetting(1, 1000), 1000, 'ListLogEntries page size.'),
  backendLogName: withDefault(
    textSetting(/^[\w.-]{1,100}$/, 'must be 1-100 letters, digits, _ . -'),
    'taskport-backend',
    "Log id the backend logger writes taskport's own lines to.",
  ),
  backendLogLookbackHours: withDefault(
    integerSetting(1, 24 * 400),
    168,
    'How far back `taskport trace` looks, in hours.',
  ),
  idempotencyLookbackHours: withDefault(
    integerSetting(1, 24 * 30),
    24,
    'How far back a start looks for an execution of the same idempotency key, in hours.',
  ),
  operationTimeoutMs: withDefault(
    integerSetting(1000, 600_000),
    60_000,
    'Bound of every wait on a long-running operation (creating a job), in ms.',
  ),
  callTimeoutMs: withDefault(integerSetting(100, 600_000), 30_000, 'Deadline of one API call, in ms.'),
  clients: option(
    v.custom<Partial<GcpClients>>(
      (value) => typeof value === 'object' && value !== null,
      'must be an object of Google clients',
    ),
    'Pre-built Google clients (library use only).',
  ),
  retry: option(
    retryPolicySchema,
    'Retries of throttles and transient failures of calls that are safe to repeat.',
  ),
});

/** The `gcp-cloudrun.*` options fall back to these environment variables, first match wins. */
export const gcpOptionEnv = {
  project: ['TASKPORT_GCP_PROJECT', 'GOOGLE_CLOUD_PROJECT', 'GCLOUD_PROJECT', 'CLOUDSDK_CORE_PROJECT'],
  region: ['TASKPORT_GCP_REGION', 'GOOGLE_CLOUD_REGION', 'CLOUDSDK_RUN_REGION'],
  endpoint: 'TASKPORT_GCP_ENDPOINT',
} as const;

/**
 * Validates options ("argument first, then environment") and applies defaults.
 * @throws ConfigurationError naming the key (e.g. `gcp-cloudrun.region`) and the nearest valid name
 */
export function parseGcpOptions(
  raw: unknown,
  env: Readonly<Record<string, string | undefined>> = {},
): GcpOptions {
  return parseProviderOptions(gcpOptionsSchema, raw, {
    provider: PROVIDER,
    env,
    optionEnv: gcpOptionEnv,
  }) as GcpOptions;
}

/** The light `@taskport/gcp-cloudrun/options` entry: the schema and its environment variables, no Google code. */
export { gcpOptionEnv as optionEnv, gcpOptionsSchema as optionsSchema };
