import {
  ConflictError,
  canonicalImageConfig,
  computeImageId,
  type ImageConfig,
  type ImageInfo,
  type ImageRegistry,
  matchImages,
  NotFoundError,
  type OperationOptions,
  preferImages,
  type RegisterImageOptions,
  toImageInfo,
} from '@taskport/core';
import type { MemoryWorld } from './memory-world.js';

const PROVIDER = 'memory';

/** Registered images in memory; one default pointer, so there is never more than one default. */
export class MemoryImageRegistry implements ImageRegistry {
  readonly provider = PROVIDER;

  constructor(private readonly world: MemoryWorld) {}

  async registerImage(config: ImageConfig, options: RegisterImageOptions = {}): Promise<ImageInfo> {
    const canonical = canonicalImageConfig(config);
    options.signal?.throwIfAborted();
    this.world.count('ImageRegistry.registerImage');
    const imageId = computeImageId(canonical);
    if (!this.world.images.has(imageId)) {
      this.world.images.set(
        imageId,
        toImageInfo(canonical, {
          // Distinct and ordered even within one millisecond: the newest registration wins a name.
          createdAt: new Date(Date.now() + this.world.next() / 1000).toISOString(),
          ...(options.requestId ? { requestId: options.requestId } : {}),
        }),
      );
    }
    // The same config registered again changes nothing but the default, as ImageConfig.isDefault says.
    if (canonical.isDefault === true) this.world.defaultImageId = imageId;
    else if (canonical.isDefault === false && this.world.defaultImageId === imageId)
      this.world.defaultImageId = undefined;
    else if (canonical.isDefault === undefined && this.world.defaultImageId === undefined)
      this.world.defaultImageId = imageId;
    return this.view(imageId);
  }

  async listImages(options: OperationOptions = {}): Promise<ImageInfo[]> {
    options.signal?.throwIfAborted();
    this.world.count('ImageRegistry.listImages');
    return this.all().sort(preferImages);
  }

  async getImage(ref: string, options: OperationOptions = {}): Promise<ImageInfo> {
    const operation = 'ImageRegistry.getImage';
    const match = this.find(ref, operation, options)[0];
    if (!match) throw this.notFound(ref, operation);
    return match;
  }

  async removeImage(ref: string, options: OperationOptions = {}): Promise<void> {
    const operation = 'ImageRegistry.removeImage';
    const matches = this.find(ref, operation, options);
    if (matches.length === 0) throw this.notFound(ref, operation);
    if (matches.length > 1) {
      const ids = matches.map((image) => image.imageId);
      throw new ConflictError(
        `"${ref}" matches ${ids.length} images (${ids.join(', ')}); remove one by its ImageID`,
        {
          provider: PROVIDER,
          operation,
          details: { ref, imageIds: ids },
        },
      );
    }
    const { imageId } = matches[0]!;
    this.world.images.delete(imageId);
    if (this.world.defaultImageId === imageId) this.world.defaultImageId = undefined;
  }

  async getDefaultImage(options: OperationOptions = {}): Promise<ImageInfo | null> {
    options.signal?.throwIfAborted();
    this.world.count('ImageRegistry.getDefaultImage');
    const id = this.world.defaultImageId;
    return id && this.world.images.has(id) ? this.view(id) : null;
  }

  async setDefaultImage(ref: string, options: OperationOptions = {}): Promise<ImageInfo> {
    const operation = 'ImageRegistry.setDefaultImage';
    const match = this.find(ref, operation, options)[0];
    if (!match) throw this.notFound(ref, operation);
    this.world.defaultImageId = match.imageId;
    return this.view(match.imageId);
  }

  private find(ref: string, operation: string, options: OperationOptions): ImageInfo[] {
    const candidates = this.all();
    const matches = matchImages(ref, candidates, { provider: PROVIDER, operation });
    options.signal?.throwIfAborted();
    this.world.count(operation);
    return matches;
  }

  private all(): ImageInfo[] {
    return [...this.world.images.keys()].map((id) => this.view(id));
  }

  /** A copy with the default flag read from the pointer: callers never hold the stored object. */
  private view(imageId: string): ImageInfo {
    const image = this.world.images.get(imageId)!;
    return { ...image, isDefault: this.world.defaultImageId === imageId };
  }

  private notFound(ref: string, operation: string): NotFoundError {
    return new NotFoundError(`no image matches "${ref}"; list them with \`taskport images list\``, {
      provider: PROVIDER,
      operation,
      details: { ref },
    });
  }
}
