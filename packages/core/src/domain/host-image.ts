import { DEFAULT_CPU, DEFAULT_MEMORY } from './image-config.js';
import type { ImageInfo } from './image-info.js';
import type { Platform } from './platform.js';

/** The ImageID recorded for runs on an executor that uses no image (the local executor). */
export const HOST_IMAGE_ID = 'host';

/**
 * What a run records when no image was given, none is the default, and the executor does not run images
 * anyway (`capabilities.runsImages` false): the command runs on the host. It is never stored in a
 * registry; it only keeps the execution record honest about where the command ran.
 */
export function hostImage(): ImageInfo {
  const platform: Platform = process.arch === 'arm64' ? 'linux/arm64' : 'linux/amd64';
  return {
    imageId: HOST_IMAGE_ID,
    image: HOST_IMAGE_ID,
    reference: HOST_IMAGE_ID,
    registry: '',
    repository: HOST_IMAGE_ID,
    isDefault: false,
    cpu: DEFAULT_CPU,
    memory: DEFAULT_MEMORY,
    platform,
    registeredBy: 'taskport',
    createdAt: new Date(0).toISOString(),
  };
}
