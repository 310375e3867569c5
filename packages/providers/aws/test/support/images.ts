import { canonicalImageConfig, computeImageId, type ImageConfig, type ImageInfo } from '@taskport/core';

/** An ImageInfo as any registry (local, another cloud) would hand it to the executor. */
export function foreignImage(config: Partial<ImageConfig> = {}): ImageInfo {
  const canonical = canonicalImageConfig({
    image: 'alpine:3.20',
    registeredBy: 'tests@taskport.test',
    ...config,
  });
  return {
    imageId: computeImageId(canonical),
    image: canonical.image,
    reference: canonical.reference.normalized,
    registry: canonical.reference.registry,
    repository: canonical.reference.repository,
    ...(canonical.reference.tag ? { tag: canonical.reference.tag } : {}),
    isDefault: false,
    cpu: canonical.cpu,
    memory: canonical.memory,
    platform: canonical.platform,
    ...(canonical.taskRole ? { taskRole: canonical.taskRole } : {}),
    ...(canonical.executionRole ? { executionRole: canonical.executionRole } : {}),
    registeredBy: canonical.registeredBy,
    createdAt: new Date().toISOString(),
  };
}
