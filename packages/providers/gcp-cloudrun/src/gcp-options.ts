import type { LoggingServiceV2Client } from '@google-cloud/logging-api';
import type { ExecutionsClient, JobsClient, TasksClient } from '@google-cloud/run';
import {
  integerSetting,
  listSetting,
  parseProviderOptions,
  type RetryPolicy,
  textSetting,
} from '@taskport/provider-utils';
import { z } from 'zod';

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

const retryPolicySchema = z.strictObject({
  maxAttempts: integerSetting(1, 100).optional(),
  baseDelayMs: integerSetting(0, 60_000).optional(),
  throttleBaseDelayMs: integerSetting(0, 60_000).optional(),
  maxDelayMs: integerSetting(0, 600_000).optional(),
  budgetMs: integerSetting(0, 3_600_000).optional(),
});

export const gcpOptionsSchema = z.strictObject({
  project: textSetting()
    .regex(/^[a-z0-9][a-z0-9:.-]{0,61}[a-z0-9]$/, 'must be a Google Cloud project id')
    .meta({ description: 'Project the jobs and logs live in. Falls back to GOOGLE_CLOUD_PROJECT.' }),
  region: textSetting()
    .regex(/^[a-z]+(?:-[a-z]+)+\d+$/, 'must be a Cloud Run region such as europe-west1')
    .meta({ description: 'Cloud Run region, e.g. europe-west1. Falls back to TASKPORT_GCP_REGION.' }),
  credentials: z.strictObject({ keyFile: textSetting() }).optional().meta({
    description:
      'A service-account JSON key file. Absent: Application Default Credentials (metadata server, GOOGLE_APPLICATION_CREDENTIALS, gcloud).',
  }),
  endpoint: textSetting()
    .regex(/^(\[[0-9a-fA-F:]+\]|[^:/\s]+):\d+$/, 'must be host:port')
    .optional()
    .meta({
      description:
        'host:port of the Cloud Run and Cloud Logging APIs. A loopback address is spoken to without TLS or credentials (the test fake). Falls back to TASKPORT_GCP_ENDPOINT.',
    }),
  network: z
    .strictObject({
      connector: textSetting().optional(),
      network: textSetting().optional(),
      subnetwork: textSetting().optional(),
      tags: listSetting().optional(),
      egress: z.enum(['all-traffic', 'private-ranges-only']).optional(),
    })
    .refine((n) => !(n.connector && (n.network || n.subnetwork)), {
      message:
        'use either connector (Serverless VPC Access) or network/subnetwork (direct VPC egress), not both',
    })
    .optional()
    .meta({
      description:
        'How the jobs reach a VPC: a Serverless VPC Access connector, or direct VPC egress (network, subnetwork, tags); egress defaults to private-ranges-only.',
    }),
  serviceAccount: z.email().optional().meta({
    description:
      "Service account the jobs run as when the image names none (permissions.taskRole). Absent: the project's default compute service account.",
  }),
  labelPrefix: textSetting()
    .regex(/^[a-z][a-z0-9]{0,19}$/, 'must be 1-20 lowercase letters or digits, starting with a letter')
    .default('taskport')
    .meta({ description: 'Prefix of every job name, label and annotation taskport writes.' }),
  containerName: textSetting()
    .regex(/^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a DNS label')
    .default('task')
    .meta({ description: 'Name of the one container of every job.' }),
  defaultTimeoutSeconds: integerSetting(1, 168 * 3600)
    .default(86_400)
    .meta({
      description: "Task timeout of runs that give no timeoutSeconds (Cloud Run's own default is 600).",
    }),
  plainSecrets: z.enum(['env', 'reject']).default('env').meta({
    description:
      'Secrets that are not Secret Manager references (projects/P/secrets/NAME[/versions/V]): "env" passes them as plain run environment (readable by anyone allowed run.executions.get); "reject" refuses them.',
  }),
  logIngestionDelayMs: integerSetting(0, 300_000)
    .default(5000)
    .meta({ description: 'How long a following log stream keeps reading after the execution ended.' }),
  logPageSize: integerSetting(1, 1000).default(1000).meta({ description: 'ListLogEntries page size.' }),
  backendLogName: textSetting()
    .regex(/^[\w.-]{1,100}$/, 'must be 1-100 letters, digits, _ . -')
    .default('taskport-backend')
    .meta({ description: "Log id the backend logger writes taskport's own lines to." }),
  backendLogLookbackHours: integerSetting(1, 24 * 400)
    .default(168)
    .meta({ description: 'How far back `taskport trace` looks.' }),
  idempotencyLookbackHours: integerSetting(1, 24 * 30)
    .default(24)
    .meta({ description: 'How far back a start looks for an execution of the same idempotency key.' }),
  operationTimeoutMs: integerSetting(1000, 600_000)
    .default(60_000)
    .meta({ description: 'Bound of every wait on a long-running operation (creating a job).' }),
  callTimeoutMs: integerSetting(100, 600_000)
    .default(30_000)
    .meta({ description: 'Deadline of one API call.' }),
  clients: z
    .custom<Partial<GcpClients>>(
      (value) => typeof value === 'object' && value !== null,
      'must be an object of Google clients',
    )
    .optional()
    .meta({ description: 'Pre-built Google clients (library use only).' }),
  retry: retryPolicySchema
    .optional()
    .meta({ description: 'Retries of throttles and transient failures of safe calls.' }),
});

export type GcpOptions = z.output<typeof gcpOptionsSchema> & { retry?: RetryPolicy | undefined };
export type GcpOptionsInput = z.input<typeof gcpOptionsSchema>;

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
