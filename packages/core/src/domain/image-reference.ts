import { ValidationError } from '../errors/taskport-error.js';

/**
 * A parsed container image reference, normalised the way container runtimes resolve it:
 * Docker Hub is `docker.io`, and its single-segment names live under `library/`.
 * So `alpine`, `docker.io/alpine` and `docker.io/library/alpine:latest` are the same image.
 */
export interface ImageReference {
  /** Registry host, always present after normalisation (`docker.io` for Docker Hub). */
  registry: string;
  /** Repository path inside the registry (`library/alpine`, `acme/app`). */
  repository: string;
  /** Tag; `latest` when neither tag nor digest was given. Absent when only a digest was given. */
  tag?: string;
  /** `sha256:<64 hex>` when pinned by digest; the hex is lowercased. */
  digest?: string;
  /** Short, familiar name: `alpine` for Docker Hub library images, else `registry/repository` minus docker.io. */
  familiarName: string;
  /** The fully normalised reference, e.g. `docker.io/library/alpine:latest`. */
  normalized: string;
}

const DOCKER_HUB = 'docker.io';
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/;
const HOST =
  /^(?:localhost|[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)+|[a-zA-Z0-9-]+:\d+|[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)+:\d+|\[[0-9a-fA-F:]+\](?::\d+)?)$/;

/** Parses and normalises an image reference; throws ValidationError saying what is wrong. */
export function parseImageReference(input: string): ImageReference {
  const reference = input.trim();
  const fail = (why: string): never => {
    throw new ValidationError(
      `image "${input}" is not a valid image reference: ${why}. Expected [registry/]repository[:tag][@sha256:digest], e.g. "alpine:3.20" or "ghcr.io/acme/app:1.2"`,
      { details: { field: 'image' } },
    );
  };
  if (reference === '') fail('it is empty');
  if (reference.length > 512) fail('it is longer than 512 characters');
  if (/\s/.test(reference)) fail('it contains white space');

  let rest = reference;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) fail(`digest "${digest}" is not of the form algorithm:hex`);
    // Hex is case-insensitive: `sha256:ABC...` and `sha256:abc...` pin the same content, so they must
    // normalise (and hash into the ImageID) alike.
    const colon = digest.indexOf(':');
    digest = `${digest.slice(0, colon)}:${digest.slice(colon + 1).toLowerCase()}`;
  }

  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > rest.lastIndexOf('/')) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!TAG.test(tag)) fail(`tag "${tag}" may hold only letters, digits, '_', '.' and '-' (max 128)`);
  }

  const slash = rest.indexOf('/');
  let registry = DOCKER_HUB;
  let repository = rest;
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('[')) {
      if (!HOST.test(first)) fail(`registry "${first}" is not a valid host[:port]`);
      registry = first.toLowerCase();
      repository = rest.slice(slash + 1);
    }
  }
  if (registry === 'index.docker.io' || registry === 'registry-1.docker.io') registry = DOCKER_HUB;
  if (repository === '') fail('the repository name is empty');
  for (const component of repository.split('/')) {
    if (!COMPONENT.test(component)) {
      fail(`repository component "${component}" must be lowercase letters, digits and separators (., _, -)`);
    }
  }
  if (registry === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`;
  if (tag === undefined && digest === undefined) tag = 'latest';

  const familiarRepository =
    registry === DOCKER_HUB
      ? repository.startsWith('library/')
        ? repository.slice('library/'.length)
        : repository
      : `${registry}/${repository}`;
  const suffix = `${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
  return {
    registry,
    repository,
    ...(tag ? { tag } : {}),
    ...(digest ? { digest } : {}),
    familiarName: familiarRepository,
    normalized: `${registry}/${repository}${suffix}`,
  };
}
