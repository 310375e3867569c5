import { type ImageInfo, NotFoundError, ProviderError, ValidationError } from '@taskport/core';
import type { DockerEngine } from './docker-engine.js';
import { engineError, hasStatus, PROVIDER } from './docker-errors.js';
import type { PullPolicy } from './docker-options.js';

/** The part of `GET /images/{name}/json` taskport reads. */
export interface ImageInspect {
  Id: string;
  RepoDigests?: string[] | null;
  Architecture?: string;
  Os?: string;
  Config?: { Entrypoint?: string[] | null; Cmd?: string[] | null } | null;
}

/**
 * The reference the engine is asked to run: pinned by digest when the registry recorded one
 * (`registry/repository@sha256:...`), otherwise the normalised tag reference.
 */
export function engineReference(image: ImageInfo, operation: string): string {
  if (!image.reference || image.imageId === 'host' || image.reference === 'host') {
    throw new ValidationError(
      'the docker executor runs images, and this request has none; pass --image or register a default image',
      { provider: PROVIDER, operation, details: { field: 'image' } },
    );
  }
  if (image.digest && image.registry && image.repository) {
    return `${image.registry}/${image.repository}@${image.digest}`;
  }
  return image.reference;
}

/** `GET /images/{ref}/json`, or undefined when the engine does not have the image. */
export async function inspectImage(
  engine: DockerEngine,
  reference: string,
  signal?: AbortSignal,
): Promise<ImageInspect | undefined> {
  try {
    const { body } = await engine.request<ImageInspect>(
      'GET',
      `/images/${encodeURIComponent(reference)}/json`,
      {
        signal,
      },
    );
    return body;
  } catch (error) {
    if (hasStatus(error, 404)) return undefined;
    throw error;
  }
}

/**
 * Pulls an image (`POST /images/create`). The engine answers 200 at once and reports failure inside the
 * progress stream (`{"error": ...}`), so the whole stream is read. Anonymous pulls only (`X-Registry-Auth:
 * {}`): for private registries log in and `docker pull` first; `pullPolicy: missing` then finds it.
 */
export async function pullImage(
  engine: DockerEngine,
  reference: string,
  platform: string | undefined,
  operation: string,
  signal?: AbortSignal,
): Promise<void> {
  const at = reference.lastIndexOf('@');
  const colon = reference.lastIndexOf(':');
  const slash = reference.lastIndexOf('/');
  let fromImage = reference;
  let tag: string | undefined;
  if (at >= 0) {
    fromImage = reference.slice(0, at);
    tag = reference.slice(at + 1);
  } else if (colon > slash) {
    fromImage = reference.slice(0, colon);
    tag = reference.slice(colon + 1);
  }
  let failure: string | undefined;
  try {
    const response = await engine.stream('POST', '/images/create', {
      query: { fromImage, tag, platform },
      headers: { 'X-Registry-Auth': 'e30=' },
      signal,
    });
    let buffered = '';
    for await (const chunk of response) {
      buffered += (chunk as Buffer).toString('utf8');
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf('\n');
        if (line === '') continue;
        try {
          const progress = JSON.parse(line) as { error?: string; errorDetail?: { message?: string } };
          if (progress.error) failure = progress.errorDetail?.message ?? progress.error;
        } catch {
          // Progress lines are informational; only errors matter here.
        }
      }
    }
  } catch (error) {
    if (signal?.aborted) throw error;
    throw pullFailed(reference, (engineError(error, operation) as Error).message, operation, error);
  }
  if (failure) throw pullFailed(reference, failure, operation);
}

function pullFailed(reference: string, why: string, operation: string, cause?: unknown): Error {
  return new NotFoundError(
    `image ${reference} is not in the engine and pulling it failed: ${why}. Pull or load it yourself (\`docker pull\`, \`docker load\`), check the name, or log in to its registry`,
    { provider: PROVIDER, operation, ...(cause ? { cause } : {}), details: { image: reference } },
  );
}

/**
 * Makes sure the engine has the image, per the pull policy, and returns its inspect. `missing` pulls only
 * when absent, `always` pulls first, `never` fails when absent.
 */
export async function ensureImage(
  engine: DockerEngine,
  reference: string,
  options: { policy: PullPolicy; platform: string | undefined; operation: string; signal?: AbortSignal },
): Promise<ImageInspect> {
  const { policy, platform, operation, signal } = options;
  if (policy === 'always') await pullImage(engine, reference, platform, operation, signal);
  let image = await inspectImage(engine, reference, signal);
  if (!image && policy === 'missing') {
    await pullImage(engine, reference, platform, operation, signal);
    image = await inspectImage(engine, reference, signal);
  }
  if (!image) {
    throw new NotFoundError(
      policy === 'never'
        ? `image ${reference} is not in the engine and docker.pullPolicy is "never"; pull or load it first (\`docker pull ${reference}\`)`
        : `image ${reference} is still not in the engine after pulling it`,
      { provider: PROVIDER, operation, details: { image: reference } },
    );
  }
  return image;
}

/** Engine error while reading an image, as a ProviderError that names it. */
export function imageError(error: unknown, reference: string, operation: string): unknown {
  const translated = engineError(error, operation, `image ${reference}`);
  return translated instanceof Error
    ? translated
    : new ProviderError(String(error), { provider: PROVIDER, operation });
}
