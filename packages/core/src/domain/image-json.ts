import type { ImageInfo } from './image-info.js';

/**
 * The public JSON shape of a registered image: the HTTP API's `Image` and the CLI's `images --json`
 * (documented in apps/cli/README.md), built field by field so it stays stable when ImageInfo grows.
 */
export interface ImageJson {
  imageId: string;
  image: string;
  reference: string;
  isDefault: boolean;
  cpu: number;
  memory: number;
  platform: string;
  taskRole: string | null;
  executionRole: string | null;
  registeredBy: string;
  createdAt: string;
  providerRef: string | null;
}

export function imageJson(i: ImageInfo): ImageJson {
  return {
    imageId: i.imageId,
    image: i.image,
    reference: i.reference,
    isDefault: i.isDefault,
    cpu: i.cpu,
    memory: i.memory,
    platform: i.platform,
    taskRole: i.taskRole ?? null,
    executionRole: i.executionRole ?? null,
    registeredBy: i.registeredBy,
    createdAt: i.createdAt,
    providerRef: i.providerRef ?? null,
  };
}
