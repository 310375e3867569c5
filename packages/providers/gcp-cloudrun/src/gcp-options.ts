import { LoggingServiceV2Client } from '@google-cloud/logging-api';
import { ExecutionsClient, JobsClient, TasksClient } from '@google-cloud/run';
import * as grpc from '@grpc/grpc-js';
import { ConfigurationError } from '@taskport/core';
import { z } from 'zod';
import type { RetryPolicy } from './kit.js';

export const PROVIDER = 'gcp-cloudrun';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/**
 * Options of the `gcp-cloudrun` section of taskport.yaml. Only `project` and `region` are required; both
 * fall back to the environment (`GOOGLE_CLOUD_PROJECT`, `TASKPORT_GCP_REGION`, ...).
 */
export const gcpOptionsSchema = z.strictObject({
  /** Project id (or number) the jobs and logs live in. */
  project: z
    .string()
    .trim()
    .regex(/^[a-z0-9][a-z0-9:.-]{0,61}[a-z0-9]$/, 'must be a Google Cloud project id'),
  /** Cloud Run region, e.g. `europe-west1`. */
  region: z
    .string()
    .trim()
    .regex(/^[a-z]+(?:-[a-z]+)+\d+$/, 'must be a Cloud Run region such as europe-west1'),
  /**
   * How to authenticate. Absent: Application Default Credentials (the metadata server on Google Cloud,
   * `GOOGLE_APPLICATION_CREDENTIALS`, or `gcloud auth application-default login`). `keyFile`: a service-account
   * JSON key file. Library users may instead inject their own clients into each adapter.
   */
  credentials: z.strictObject({ keyFile: z.string().trim().min(1) }).optional(),
  /**
   * `host:port` of the API (both Cloud Run and Cloud Logging). A loopback address (127.0.0.1, localhost, [::1])
   * is spoken to without TLS or credentials: that is how the test fake is reached. @default the Google endpoints
   */
  endpoint: z.string().trim().min(1).optional(),
  /** How the jobs reach a VPC: a Serverless VPC Access connector, or direct VPC egress (network/subnetwork). */
  network: z
    .strictObject({
      connector: z.string().trim().min(1).optional(),
      network: z.string().trim().min(1).optional(),
      subnetwork: z.string().trim().min(1).optional(),
      tags: z.array(z.string().trim().min(1)).optional(),
      /** @default private-ranges-only */
      egress: z.enum(['all-traffic', 'private-ranges-only']).optional(),
    })
    .refine((n) => !(n.connector && (n.network || n.subnetwork)), {
      message:
        'use either connector (Serverless VPC Access) or network/subnetwork (direct VPC egress), not both',
    })
    .optional(),
  /** Service account the jobs run as when the image names none (`permissions.taskRole`). @default the project's default compute account */
  serviceAccount: z.email().optional(),
  /** Prefix of every label, annotation and job name taskport writes (lowercase, 1-20). @default taskport */
  labelPrefix: z
    .string()
    .regex(/^[a-z][a-z0-9]{0,19}$/, 'must be 1-20 lowercase letters or digits, starting with a letter')
    .default('taskport'),
  /** Name of the container in every job. @default task */
  containerName: z
    .string()
    .regex(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/)
    .default('task'),
  /** The task timeout of runs that give no `timeoutSeconds` (Cloud Run's own default is 10 minutes). @default 86400 */
  defaultTimeoutSeconds: int(1, 168 * 3600).default(86_400),
  /**
   * Secrets that are not Secret Manager references (`projects/P/secrets/NAME[/versions/V]`): `env` passes them as
   * plain environment of the run (visible to whoever may read the execution); `reject` refuses them. @default env
   */
  plainSecrets: z.enum(['env', 'reject']).default('env'),
  /** How long after an execution ends a following log stream keeps reading for late entries. @default 5000 */
  logIngestionDelayMs: int(0, 300_000).default(5000),
  /** ListLogEntries page size. @default 1000 */
  logPageSize: int(1, 1000).default(1000),
  /** Log id the backend logger writes to. @default taskport-backend */
  backendLogName: z
    .string()
    .regex(/^[\w.-]{1,100}$/)
    .default('taskport-backend'),
  /** How far back `fetchBackendLogs` looks. @default 168 (7 days) */
  backendLogLookbackHours: int(1, 24 * 400).default(168),
  /** How far back a start looks for an execution of the same idempotency key. @default 24 */
  idempotencyLookbackHours: int(1, 24 * 30).default(24),
  /** Bound of every wait on a long-running operation (creating a job). @default 60000 */
  operationTimeoutMs: int(1000, 600_000).default(60_000),
  /** Deadline of one API call. @default 30000 */
  callTimeoutMs: int(100, 600_000).default(30_000),
  retry: z
    .strictObject({
      maxAttempts: int(1, 20).optional(),
      baseDelayMs: int(1, 60_000).optional(),
      maxDelayMs: int(1, 600_000).optional(),
      budgetMs: int(1, 3_600_000).optional(),
    })
    .optional(),
});

export type GcpOptionsInput = z.input<typeof gcpOptionsSchema>;
export type GcpOptions = z.output<typeof gcpOptionsSchema> & { retry?: RetryPolicy | undefined };

/** Environment fallbacks of the options, first match wins. */
export const GCP_OPTION_ENV = {
  project: ['TASKPORT_GCP_PROJECT', 'GOOGLE_CLOUD_PROJECT', 'GCLOUD_PROJECT', 'CLOUDSDK_CORE_PROJECT'],
  region: ['TASKPORT_GCP_REGION', 'GOOGLE_CLOUD_REGION', 'CLOUDSDK_RUN_REGION'],
  endpoint: ['TASKPORT_GCP_ENDPOINT'],
} as const;

/** Validates options (for library users; the composition root uses the schema itself). */
export function parseGcpOptions(
  raw: Partial<GcpOptionsInput>,
  env: Record<string, string | undefined> = {},
): GcpOptions {
  const merged: Record<string, unknown> = { ...raw };
  for (const [key, names] of Object.entries(GCP_OPTION_ENV)) {
    if (merged[key] !== undefined) continue;
    const name = names.find((n) => env[n]?.trim());
    if (name) merged[key] = env[name]!.trim();
  }
  const result = gcpOptionsSchema.safeParse(merged);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const key = [PROVIDER, ...issue.path.map(String)].join('.');
    const hint =
      issue.path[0] === 'project' || issue.path[0] === 'region'
        ? ` (or set ${GCP_OPTION_ENV[issue.path[0] as 'project' | 'region'].join(' / ')})`
        : '';
    throw new ConfigurationError(`${key}: ${issue.message}${hint}`, { provider: PROVIDER, details: { key } });
  }
  return result.data;
}

/** The four API clients an adapter may use. Build them with `gcpClients`, or inject your own. */
export interface GcpClients {
  jobs: JobsClient;
  executions: ExecutionsClient;
  tasks: TasksClient;
  logging: LoggingServiceV2Client;
}

export interface GcpClientExtras {
  /** gRPC client interceptors added to every call (the benchmark counts API calls with one). */
  interceptors?: grpc.Interceptor[];
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** The constructor options every Google client of this provider gets. */
export type ClientOptions = NonNullable<ConstructorParameters<typeof JobsClient>[0]>;

export function gcpClientOptions(options: GcpOptions, extras: GcpClientExtras = {}): ClientOptions {
  // The one copy of grpc-js in the tree: credentials made by another copy are refused by the clients.
  const base: ClientOptions = { projectId: options.project, grpc: grpc as unknown as ClientOptions['grpc'] };
  if (options.credentials?.keyFile) base.keyFilename = options.credentials.keyFile;
  if (extras.interceptors?.length) {
    const interceptors = extras.interceptors;
    // google-gax passes only `grpc.*` keys to the channel; this one reaches grpc-js as callInvocationTransformer.
    base['grpc.callInvocationTransformer'] = (properties: { callOptions: grpc.CallOptions }) => ({
      ...properties,
      callOptions: {
        ...properties.callOptions,
        interceptors: [...(properties.callOptions.interceptors ?? []), ...interceptors],
      },
    });
  }
  if (!options.endpoint) return base;
  const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(options.endpoint);
  if (!match) {
    throw new ConfigurationError(`${PROVIDER}.endpoint "${options.endpoint}" must be host:port`, {
      provider: PROVIDER,
      details: { key: `${PROVIDER}.endpoint` },
    });
  }
  const host = match[1]!;
  const port = Number(match[2]);
  if (LOOPBACK.has(host)) {
    // universeDomain stops the clients from probing the metadata server for one.
    return {
      ...base,
      apiEndpoint: host.replace(/^\[|\]$/g, ''),
      port,
      sslCreds: grpc.credentials.createInsecure(),
      universeDomain: 'googleapis.com',
    };
  }
  return { ...base, apiEndpoint: host, port };
}

/**
 * The four clients, each built on first use (building one costs no network call either), so an adapter
 * holds only the channels it uses. `close()` closes what was built.
 */
export class LazyGcpClients implements GcpClients {
  private readonly built: Partial<GcpClients> = {};
  private readonly clientOptions: ClientOptions;

  constructor(options: GcpOptions, extras: GcpClientExtras = {}) {
    this.clientOptions = gcpClientOptions(options, extras);
  }

  get jobs(): JobsClient {
    this.built.jobs ??= new JobsClient(this.clientOptions);
    return this.built.jobs;
  }

  get executions(): ExecutionsClient {
    this.built.executions ??= new ExecutionsClient(this.clientOptions);
    return this.built.executions;
  }

  get tasks(): TasksClient {
    this.built.tasks ??= new TasksClient(this.clientOptions);
    return this.built.tasks;
  }

  get logging(): LoggingServiceV2Client {
    this.built.logging ??= new LoggingServiceV2Client(this.clientOptions);
    return this.built.logging;
  }

  async close(): Promise<void> {
    const clients = Object.values(this.built);
    for (const key of Object.keys(this.built)) delete this.built[key as keyof GcpClients];
    await Promise.allSettled(clients.map((client) => client.close()));
  }
}

/** Builds the four clients (lazily: see LazyGcpClients). */
export function gcpClients(options: GcpOptions, extras: GcpClientExtras = {}): LazyGcpClients {
  return new LazyGcpClients(options, extras);
}

/** The clients an adapter uses, and whether it owns (and so closes) them. */
export function resolveClients(
  options: GcpOptions,
  injected: GcpClients | undefined,
): { clients: GcpClients; close: () => Promise<void> } {
  if (injected) return { clients: injected, close: async () => {} };
  const clients = gcpClients(options);
  return { clients, close: () => clients.close() };
}
