import { randomInt } from 'node:crypto';
import type { protos } from '@google-cloud/run';
import {
  type CanonicalImageConfig,
  ConflictError,
  canonicalImageConfig,
  type ImageConfig,
  type ImageInfo,
  type ImageRegistry,
  NotFoundError,
  type OperationOptions,
  parseImageReference,
  type RegisterImageOptions,
  TaskportError,
  toImageInfo,
  UnavailableError,
  ValidationError,
} from '@taskport/core';
import { sleep, withRetry } from '@taskport/provider-utils';
import {
  createJobIfMissing,
  imageInfoOf,
  jobFor,
  jobNameFor,
  keys,
  operationBackoff,
  parentOf,
  type StoredImageInfo,
} from './cloud-run-jobs.js';
import { resolveClients } from './gcp-clients.js';
import { Code, classifyGcpError, grpcCode, translateGcpError, withSignal } from './gcp-errors.js';
import { type GcpClients, type GcpOptions, PROVIDER } from './gcp-options.js';

type IJob = protos.google.cloud.run.v2.IJob;

/** The job that holds the registry's default pointer is never run; any pullable image will do. */
const POINTER_IMAGE = 'us-docker.pkg.dev/cloudrun/container/job:latest';
/** Attempts of one compare-and-swap on a job's etag before giving up (each loses only to another writer). */
const CAS_ATTEMPTS = 20;

/**
 * Registered images as Cloud Run jobs: one job per ImageID (`<prefix>-<slug>-<hash>`, see `jobIdFor`)
 * holding the image, its cpu / memory limits, its service account (`permissions.taskRole`) and no retries;
 * the ImageInfo is the job's annotation `<prefix>/image-info`, and the label `<prefix>-image=true` marks
 * it as registered.
 *
 * The default image is one pointer, the annotation `<prefix>/default-image` on one more job
 * (`<prefix>-registry`, never run), changed only by a compare-and-swap: UpdateJob with the etag it was
 * read with, repeated after ABORTED. So there is never more than one default, whatever runs concurrently
 * (docs/adr/031-gcp-cloudrun-default-image-pointer.md).
 */
export class CloudRunImageRegistry implements ImageRegistry {
  readonly provider = PROVIDER;
  private readonly clients: GcpClients;
  private readonly closeClients: () => Promise<void>;
  private readonly keys: ReturnType<typeof keys>;

  constructor(
    private readonly options: GcpOptions,
    clients?: GcpClients,
  ) {
    ({ clients: this.clients, close: this.closeClients } = resolveClients(options, clients));
    this.keys = keys(options.labelPrefix);
  }

  async registerImage(config: ImageConfig, options: RegisterImageOptions = {}): Promise<ImageInfo> {
    const operation = 'ImageRegistry.registerImage';
    const { signal } = options;
    signal?.throwIfAborted();
    const canonical = this.canonical(config, operation);
    const info = toImageInfo(canonical, {
      ...(options.requestId ? { requestId: options.requestId } : {}),
    });
    const jobName = jobNameFor(info.imageId, this.options);
    const job = jobFor({ ...info, providerRef: jobName }, this.options, 'image', operation);
    const stored = await this.ensureImageJob(jobName, job, operation, signal);
    const pointer = await this.swapDefault(operation, signal, (current) => {
      if (canonical.isDefault === true) return info.imageId;
      if (canonical.isDefault === false) return current === info.imageId ? '' : current;
      return current || info.imageId;
    });
    return { ...stored, isDefault: pointer === stored.imageId };
  }

  async listImages(options: OperationOptions = {}): Promise<ImageInfo[]> {
    const { images } = await this.readAll('ImageRegistry.listImages', options.signal);
    return images;
  }

  async getImage(ref: string, options: OperationOptions = {}): Promise<ImageInfo> {
    const operation = 'ImageRegistry.getImage';
    checkRef(ref, operation);
    const { images } = await this.readAll(operation, options.signal);
    return resolve(images, ref, operation, false);
  }

  async removeImage(ref: string, options: OperationOptions = {}): Promise<void> {
    const operation = 'ImageRegistry.removeImage';
    const { signal } = options;
    checkRef(ref, operation);
    for (let attempt = 1; ; attempt++) {
      const { images, jobs } = await this.readAll(operation, signal);
      const image = resolve(images, ref, operation, true);
      const job = jobs.get(image.providerRef!)!;
      try {
        // Conditional on what was read: a job changed meanwhile is read again.
        const [deleting] = await withSignal(
          () =>
            this.clients.jobs.deleteJob(
              { name: job.name!, etag: job.etag ?? '' },
              operationBackoff(this.options),
            ),
          signal,
        );
        await withSignal(() => deleting.promise() as ReturnType<typeof deleting.promise>, signal);
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        const code = grpcCode(error);
        if (code === Code.NOT_FOUND) {
          // Removed by someone else meanwhile: the image is gone either way.
        } else if (code === Code.ABORTED && attempt < CAS_ATTEMPTS) {
          continue;
        } else {
          throw translateGcpError(error, operation, `deleting Cloud Run job ${job.name}`);
        }
      }
      await this.swapDefault(operation, signal, (current) => (current === image.imageId ? '' : current));
      return;
    }
  }

  async getDefaultImage(options: OperationOptions = {}): Promise<ImageInfo | null> {
    const operation = 'ImageRegistry.getDefaultImage';
    const { signal } = options;
    signal?.throwIfAborted();
    const pointer = await this.getJob(this.pointerName(), operation, signal);
    const imageId = pointer?.annotations?.[this.keys.defaultImage];
    if (!imageId) return null;
    const job = await this.getJob(jobNameFor(imageId, this.options), operation, signal);
    const info =
      job && job.labels?.[this.keys.image] === 'true'
        ? imageInfoOf(job, this.options.labelPrefix)
        : undefined;
    return info && info.imageId === imageId ? { ...info, isDefault: true } : null;
  }

  async setDefaultImage(ref: string, options: OperationOptions = {}): Promise<ImageInfo> {
    const operation = 'ImageRegistry.setDefaultImage';
    const { signal } = options;
    checkRef(ref, operation);
    const { images } = await this.readAll(operation, signal);
    const image = resolve(images, ref, operation, false);
    await this.swapDefault(operation, signal, () => image.imageId);
    return { ...image, isDefault: true };
  }

  async close(): Promise<void> {
    await this.closeClients();
  }

  private canonical(config: ImageConfig, operation: string): CanonicalImageConfig {
    try {
      return canonicalImageConfig(config);
    } catch (error) {
      if (!ValidationError.isInstance(error)) throw error;
      throw new ValidationError(error.message, {
        provider: PROVIDER,
        operation,
        ...(error.details ? { details: error.details } : {}),
      });
    }
  }

  /** The image's job as registered: created, adopted from the executor (labelled), or found as it was. */
  private async ensureImageJob(
    jobName: string,
    job: IJob,
    operation: string,
    signal: AbortSignal | undefined,
  ): Promise<StoredImageInfo> {
    for (let attempt = 1; attempt <= CAS_ATTEMPTS; attempt++) {
      const existing = await this.getJob(jobName, operation, signal);
      if (!existing) {
        const { created } = await createJobIfMissing(
          this.clients,
          this.options,
          jobName,
          job,
          operation,
          signal,
        );
        if (created) return imageInfoOf({ ...job, name: jobName }, this.options.labelPrefix)!;
        continue; // created concurrently: read what the winner stored
      }
      const stored = imageInfoOf(existing, this.options.labelPrefix);
      if (stored && existing.labels?.[this.keys.image] === 'true') return stored;
      // A job the executor made for this image (or one left half-made): label it as registered.
      try {
        await withSignal(
          () =>
            this.clients.jobs.updateJob(
              {
                job: {
                  ...existing,
                  labels: { ...(existing.labels ?? {}), ...(job.labels ?? {}) },
                  annotations: { ...(existing.annotations ?? {}), ...(job.annotations ?? {}) },
                  etag: existing.etag ?? '',
                },
              },
              { timeout: this.options.callTimeoutMs },
            ),
          signal,
        );
        return imageInfoOf({ ...job, name: jobName }, this.options.labelPrefix)!;
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        if (grpcCode(error) !== Code.ABORTED)
          throw translateGcpError(error, operation, `labelling job ${jobName}`);
        await sleep(randomInt(10, 50), signal);
      }
    }
    throw new UnavailableError(`job ${jobName} kept changing while it was registered; try again`, {
      provider: PROVIDER,
      operation,
    });
  }

  /**
   * Compare-and-swap of the default pointer: reads the pointer job, asks `decide` for the new value and
   * writes it with the etag it read (ABORTED when another writer came first: read again). Returns the
   * value in force afterwards.
   */
  private async swapDefault(
    operation: string,
    signal: AbortSignal | undefined,
    decide: (current: string) => string,
  ): Promise<string> {
    const name = this.pointerName();
    for (let attempt = 1; attempt <= CAS_ATTEMPTS; attempt++) {
      const pointer = await this.getJob(name, operation, signal);
      const current = pointer?.annotations?.[this.keys.defaultImage] ?? '';
      const next = decide(current);
      if (pointer && next === current) return current;
      const annotations = { ...(pointer?.annotations ?? {}) };
      if (next) annotations[this.keys.defaultImage] = next;
      else delete annotations[this.keys.defaultImage];
      try {
        if (!pointer) {
          const { created } = await createJobIfMissing(
            this.clients,
            this.options,
            name,
            this.pointerJob(annotations),
            operation,
            signal,
          );
          if (created) return next;
          continue;
        }
        await withSignal(
          () =>
            this.clients.jobs.updateJob(
              { job: { ...pointer, annotations, etag: pointer.etag ?? '' } },
              { timeout: this.options.callTimeoutMs },
            ),
          signal,
        );
        return next;
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        const conflict = TaskportError.isInstance(error)
          ? error.code === 'CONFLICT'
          : grpcCode(error) === Code.ABORTED;
        if (!conflict) throw translateGcpError(error, operation, 'updating the default image');
        // Lost the race to another writer: back off a little (jittered) and read again.
        await sleep(randomInt(5, 20 * attempt), signal);
      }
    }
    throw new UnavailableError('the default image kept changing under concurrent updates; try again', {
      provider: PROVIDER,
      operation,
    });
  }

  private pointerName(): string {
    return `${parentOf(this.options)}/jobs/${this.options.labelPrefix}-registry`;
  }

  private pointerJob(annotations: Record<string, string>): IJob {
    return {
      labels: { [this.keys.registry]: 'true' },
      annotations,
      template: {
        taskCount: 1,
        template: {
          containers: [{ image: POINTER_IMAGE, resources: { limits: { cpu: '1', memory: '512Mi' } } }],
          maxRetries: 0,
        },
      },
    };
  }

  private async getJob(
    name: string,
    operation: string,
    signal: AbortSignal | undefined,
  ): Promise<IJob | undefined> {
    try {
      const [job] = await withRetry(
        () =>
          withSignal(
            () => this.clients.jobs.getJob({ name }, { timeout: this.options.callTimeoutMs, retry: null }),
            signal,
          ),
        { classify: classifyGcpError, policy: this.options.retry, signal },
      );
      return job;
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (grpcCode(error) === Code.NOT_FOUND) return undefined;
      throw translateGcpError(error, operation, `reading job ${name.split('/').pop()}`);
    }
  }

  /** Every registered image (default first, then newest first) and the jobs behind them, in one listing. */
  private async readAll(operation: string, signal: AbortSignal | undefined) {
    signal?.throwIfAborted();
    const jobs = new Map<string, IJob>();
    let pointer = '';
    let pageToken: string | undefined;
    do {
      let page: IJob[];
      let response: { nextPageToken?: string | null } | undefined;
      try {
        [page, , response] = await withRetry(
          () =>
            withSignal(
              () =>
                this.clients.jobs.listJobs(
                  { parent: parentOf(this.options), pageSize: 100, ...(pageToken ? { pageToken } : {}) },
                  { autoPaginate: false, timeout: this.options.callTimeoutMs, retry: null },
                ),
              signal,
            ),
          { classify: classifyGcpError, policy: this.options.retry, signal },
        );
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        throw translateGcpError(error, operation, 'listing Cloud Run jobs');
      }
      for (const job of page) {
        if (job.name === this.pointerName()) pointer = job.annotations?.[this.keys.defaultImage] ?? '';
        else if (job.labels?.[this.keys.image] === 'true' && job.name) jobs.set(job.name, job);
      }
      pageToken = response?.nextPageToken || undefined;
    } while (pageToken);
    const images: ImageInfo[] = [];
    for (const job of jobs.values()) {
      const info = imageInfoOf(job, this.options.labelPrefix);
      if (info) images.push({ ...info, isDefault: info.imageId === pointer });
    }
    images.sort(
      (a, b) =>
        Number(b.isDefault) - Number(a.isDefault) ||
        b.createdAt.localeCompare(a.createdAt) ||
        a.imageId.localeCompare(b.imageId),
    );
    return { images, jobs };
  }
}

function checkRef(ref: string, operation: string): string {
  if (typeof ref !== 'string' || ref.trim() === '') {
    throw new ValidationError('an image id or name is required', {
      provider: PROVIDER,
      operation,
      details: { field: 'ref' },
    });
  }
  return ref.trim();
}

/**
 * The image `ref` names: an ImageID exactly, else the registered string, else the normalised reference.
 * Several by name: the default, else the newest - or, for removal, a ConflictError listing them.
 */
function resolve(images: ImageInfo[], ref: string, operation: string, unique: boolean): ImageInfo {
  const wanted = ref.trim();
  const byId = images.find((image) => image.imageId === wanted);
  if (byId) return byId;
  let matches = images.filter((image) => image.image === wanted);
  if (matches.length === 0) {
    let normalized: string | undefined;
    try {
      normalized = parseImageReference(wanted).normalized;
    } catch {
      normalized = undefined;
    }
    if (normalized) matches = images.filter((image) => image.reference === normalized);
  }
  if (matches.length === 0) {
    throw new NotFoundError(`no registered image matches "${ref}"`, { provider: PROVIDER, operation });
  }
  if (unique && matches.length > 1) {
    throw new ConflictError(
      `"${ref}" names ${matches.length} images (${matches.map((m) => m.imageId).join(', ')}); give the ImageID`,
      { provider: PROVIDER, operation, details: { imageIds: matches.map((m) => m.imageId) } },
    );
  }
  // `images` is sorted default first, then newest first.
  return matches[0]!;
}
