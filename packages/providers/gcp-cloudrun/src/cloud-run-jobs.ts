import { createHash } from 'node:crypto';
import type { protos } from '@google-cloud/run';
import { type ImageInfo, PLATFORMS, ValidationError } from '@taskport/core';
import { Code, grpcCode, translateGcpError, withSignal } from './gcp-errors.js';
import { type GcpClients, type GcpOptions, PROVIDER } from './gcp-options.js';

type IJob = protos.google.cloud.run.v2.IJob;

/** CPU units (1024 = 1 vCPU) Cloud Run jobs accept, with the memory range (MiB) each allows. */
const CLOUD_RUN_SIZES: ReadonlyMap<number, { cpu: string; minMemory: number; maxMemory: number }> = new Map([
  [1024, { cpu: '1', minMemory: 512, maxMemory: 4096 }],
  [2048, { cpu: '2', minMemory: 512, maxMemory: 8192 }],
  [4096, { cpu: '4', minMemory: 2048, maxMemory: 16_384 }],
  [6144, { cpu: '6', minMemory: 4096, maxMemory: 24_576 }],
  [8192, { cpu: '8', minMemory: 4096, maxMemory: 32_768 }],
]);

const SERVICE_ACCOUNT =
  /^[a-z0-9-_.+]+@[a-z0-9-.]+\.(?:iam\.)?gserviceaccount\.com$|^[^@\s]+@[^@\s]+\.[a-z]+$/;

/**
 * Cloud Run's container limits for an image's size, or a ValidationError that lists what Cloud Run allows.
 * Checked before any call, by the registry (at registration) and the executor (for images from elsewhere).
 */
export function cloudRunLimits(
  cpu: number,
  memory: number,
  operation: string,
): { cpu: string; memory: string } {
  const size = CLOUD_RUN_SIZES.get(cpu);
  const allowed = [...CLOUD_RUN_SIZES.keys()].join(', ');
  if (!size) {
    throw new ValidationError(
      `cpu ${cpu} is not a Cloud Run job size: use ${allowed} CPU units (1, 2, 4, 6 or 8 vCPU; 1024 units = 1 vCPU)`,
      {
        provider: PROVIDER,
        operation,
        details: { field: 'resources.cpu', allowed: [...CLOUD_RUN_SIZES.keys()] },
      },
    );
  }
  if (!Number.isInteger(memory) || memory < size.minMemory || memory > size.maxMemory) {
    throw new ValidationError(
      `memory ${memory} MiB does not fit ${size.cpu} vCPU on Cloud Run: use ${size.minMemory}-${size.maxMemory} MiB`,
      {
        provider: PROVIDER,
        operation,
        details: { field: 'resources.memory', min: size.minMemory, max: size.maxMemory },
      },
    );
  }
  return { cpu: size.cpu, memory: `${memory}Mi` };
}

/** The service account a job runs as: the image's `taskRole`, else the configured one. */
export function serviceAccountFor(
  image: Pick<ImageInfo, 'taskRole'>,
  options: GcpOptions,
  operation: string,
) {
  const account = image.taskRole ?? options.serviceAccount;
  if (account !== undefined && !SERVICE_ACCOUNT.test(account)) {
    throw new ValidationError(
      `permissions.taskRole "${account}" is not a service account email; on Cloud Run the task role is the service account the job runs as (name@project.iam.gserviceaccount.com)`,
      { provider: PROVIDER, operation, details: { field: 'permissions.taskRole' } },
    );
  }
  return account;
}

/**
 * The deterministic Cloud Run job name of an ImageID: `<prefix>-<slug of the id>-<10 hex of its sha256>`,
 * at most 63 lowercase letters, digits and hyphens, starting with a letter. The hash keeps two ids apart
 * whatever the slug loses; the slug keeps the console readable.
 */
export function jobIdFor(imageId: string, labelPrefix: string): string {
  const hash = createHash('sha256').update(imageId).digest('hex').slice(0, 10);
  const room = 63 - labelPrefix.length - hash.length - 2;
  const slug = imageId
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, room)
    .replace(/^-+|-+$/g, '');
  return slug ? `${labelPrefix}-${slug}-${hash}` : `${labelPrefix}-${hash}`;
}

export function parentOf(options: GcpOptions): string {
  return `projects/${options.project}/locations/${options.region}`;
}

export function jobNameFor(imageId: string, options: GcpOptions): string {
  return `${parentOf(options)}/jobs/${jobIdFor(imageId, options.labelPrefix)}`;
}

/** Label and annotation keys, all under the configured prefix. */
export function keys(prefix: string) {
  return {
    /** Label: the job is a registered image (listed by the registry). */
    image: `${prefix}-image`,
    /** Label: the job was created by the executor for an image registered elsewhere. */
    runner: `${prefix}-runner`,
    /** Label: the job holds the registry's default pointer. */
    registry: `${prefix}-registry`,
    platform: `${prefix}-platform`,
    /** Annotation: the ImageInfo (JSON) the job was made from. */
    imageInfo: `${prefix}/image-info`,
    /** Annotation on the registry job: the ImageID of the default image. */
    defaultImage: `${prefix}/default-image`,
    /** Log entry label: sha256 of the request id (so the raw id never enters a filter). */
    requestHash: `${prefix}-request-sha256`,
  };
}

/** What an image job's annotation stores: the ImageInfo without the derived `isDefault`. */
export type StoredImageInfo = Omit<ImageInfo, 'isDefault'>;

export function imageInfoOf(job: IJob, prefix: string): StoredImageInfo | undefined {
  const raw = job.annotations?.[keys(prefix).imageInfo];
  if (!raw) return undefined;
  try {
    const info = JSON.parse(raw) as StoredImageInfo;
    if (typeof info.imageId !== 'string' || typeof info.reference !== 'string') return undefined;
    return { ...info, providerRef: job.name ?? info.providerRef };
  } catch {
    return undefined;
  }
}

/** The Job that runs an image: one container, no retries, the image's size and service account. */
export function jobFor(
  image: ImageInfo,
  options: GcpOptions,
  kind: 'image' | 'runner',
  operation: string,
  extras: { requestId?: string } = {},
): IJob {
  if (!PLATFORMS.includes(image.platform)) {
    throw new ValidationError(`platform "${String(image.platform)}" is not one of ${PLATFORMS.join(', ')}`, {
      provider: PROVIDER,
      operation,
      details: { field: 'runtime.platform' },
    });
  }
  const k = keys(options.labelPrefix);
  const limits = cloudRunLimits(image.cpu, image.memory, operation);
  const serviceAccount = serviceAccountFor(image, options, operation);
  // isDefault is derived from the registry's pointer, never stored on the job.
  const { isDefault, ...stored } = image;
  const info: StoredImageInfo = { ...stored, ...(extras.requestId ? { requestId: extras.requestId } : {}) };
  return {
    labels: { [k[kind]]: 'true', [k.platform]: image.platform.replace('/', '-') },
    annotations: { [k.imageInfo]: JSON.stringify(info) },
    template: {
      taskCount: 1,
      parallelism: 1,
      template: {
        containers: [{ name: options.containerName, image: image.reference, resources: { limits } }],
        // taskport runs a command once; Cloud Run's default would retry a failed task 3 times.
        maxRetries: 0,
        timeout: { seconds: options.defaultTimeoutSeconds },
        ...(serviceAccount ? { serviceAccount } : {}),
        ...vpcAccess(options),
      },
    },
  };
}

function vpcAccess(options: GcpOptions): { vpcAccess?: protos.google.cloud.run.v2.IVpcAccess } {
  const network = options.network;
  if (!network) return {};
  const egress = network.egress === 'all-traffic' ? 'ALL_TRAFFIC' : 'PRIVATE_RANGES_ONLY';
  if (network.connector) {
    const connector = network.connector.includes('/')
      ? network.connector
      : `projects/${options.project}/locations/${options.region}/connectors/${network.connector}`;
    return { vpcAccess: { connector, egress } };
  }
  return {
    vpcAccess: {
      egress,
      networkInterfaces: [
        {
          ...(network.network ? { network: network.network } : {}),
          ...(network.subnetwork ? { subnetwork: network.subnetwork } : {}),
          ...(network.tags ? { tags: network.tags } : {}),
        },
      ],
    },
  };
}

/** Backoff of every wait on a long-running operation: bounded in total (the clients' default is not). */
export function operationBackoff(options: GcpOptions) {
  return {
    longrunning: {
      initialRetryDelayMillis: 100,
      retryDelayMultiplier: 1.5,
      maxRetryDelayMillis: 2000,
      totalTimeoutMillis: options.operationTimeoutMs,
    },
    timeout: options.callTimeoutMs,
  };
}

/**
 * Creates the job (waiting, bounded, for Cloud Run to finish creating it), or does nothing when it
 * exists already. Returns the job as stored.
 */
export async function createJobIfMissing(
  clients: GcpClients,
  options: GcpOptions,
  jobName: string,
  job: IJob,
  operation: string,
  signal: AbortSignal | undefined,
): Promise<{ created: boolean }> {
  const jobId = jobName.split('/').pop()!;
  try {
    const [created] = await withSignal(
      () => clients.jobs.createJob({ parent: parentOf(options), jobId, job }, operationBackoff(options)),
      signal,
    );
    await withSignal(() => created.promise() as ReturnType<typeof created.promise>, signal);
    return { created: true };
  } catch (error) {
    if (grpcCode(error) === Code.ALREADY_EXISTS) return { created: false };
    throw translateGcpError(error, operation, `creating Cloud Run job ${jobId}`);
  }
}
