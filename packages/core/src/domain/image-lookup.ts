import { ValidationError } from '../errors/taskport-error.js';
import type { ImageInfo } from './image-info.js';
import { parseImageReference } from './image-reference.js';

/**
 * The lookup rule of `ImageRegistry.getImage(ref)`, for registries that hold their images as a list:
 * the ImageID itself; else every image registered with exactly this string; else every image whose
 * normalised reference equals the normalised `ref` (`alpine` finds `docker.io/library/alpine:latest`).
 * Several matches come best first: the default, then the newest registration.
 * @throws ValidationError when `ref` is empty
 */
export function matchImages(
  ref: string,
  images: Iterable<ImageInfo>,
  at: { provider?: string; operation?: string } = {},
): ImageInfo[] {
  if (typeof ref !== 'string' || ref.trim() === '') {
    throw new ValidationError('an ImageID or image name is required', { ...at, details: { field: 'ref' } });
  }
  const wanted = ref.trim();
  const all = [...images];
  const byId = all.filter((image) => image.imageId === wanted);
  if (byId.length > 0) return byId;
  const exact = all.filter((image) => image.image === wanted);
  if (exact.length > 0) return exact.sort(preferImages);
  let normalized: string;
  try {
    normalized = parseImageReference(wanted).normalized;
  } catch {
    // Not a valid reference, so it cannot name a registered image (and it is not an ImageID either).
    return [];
  }
  return all.filter((image) => image.reference === normalized).sort(preferImages);
}

/** Orders images the way listings and ambiguous lookups present them: the default first, then newest first. */
export function preferImages(a: ImageInfo, b: ImageInfo): number {
  if (a.isDefault !== b.isDefault) return a.isDefault ? -1 : 1;
  return Date.parse(b.createdAt) - Date.parse(a.createdAt);
}
