import { canonicalImageConfig, type ImageConfig, type ImageInfo, toImageInfo } from '@taskport/core';

/** An ImageInfo as any registry (local, another cloud) would hand it to the executor. */
export function foreignImage(config: Partial<ImageConfig> = {}): ImageInfo {
  return toImageInfo(
    canonicalImageConfig({
      image: 'alpine:3.20',
      registeredBy: 'tests@taskport.test',
      ...config,
    }),
  );
}
