import type { ImageConfig } from '../domain/image-config.js';
import type { ImageInfo } from '../domain/image-info.js';
import type { OperationOptions } from './operation-options.js';

/** Options of `getImage`. */
export interface GetImageOptions extends OperationOptions {
  /**
   * Whether the caller reads `isDefault` of the result. With `false` a registry may skip the read that
   * computes it (for an id lookup that read is often the only other call); `isDefault` is then `false`
   * unless the lookup learnt it anyway. The Service passes `false` when it resolves the image of a run.
   * @default true
   */
  withDefaultFlag?: boolean;
}

export interface RegisterImageOptions extends OperationOptions {
  /** Request that registers it; stored on the ImageInfo. */
  requestId?: string;
}

/**
 * Registered images and their run configuration. At most one image is the default.
 *
 * Lookups by `ref` accept an ImageID (exact match first) or an image name: the exact registered string,
 * then the normalised reference (`alpine` finds `docker.io/library/alpine:latest`). When several images
 * match a name, the default wins, else the most recently registered.
 */
export interface ImageRegistry {
  readonly provider: string;

  /**
   * Registers an image configuration and returns it with its ImageID. Idempotent: the same config gives
   * the same id and creates no new provider artefact. Default rules: see `ImageConfig.isDefault`; the
   * first image ever registered becomes the default.
   * @throws ValidationError for a bad config (checked before any provider call)
   */
  registerImage(config: ImageConfig, options?: RegisterImageOptions): Promise<ImageInfo>;

  /** Every registered image (all pages), default first, then newest first. */
  listImages(options?: OperationOptions): Promise<ImageInfo[]>;

  /**
   * @throws NotFoundError when nothing matches `ref`
   * @throws ValidationError when `ref` is empty
   */
  getImage(ref: string, options?: GetImageOptions): Promise<ImageInfo>;

  /**
   * Removes the image and every provider artefact behind it. Removing the default leaves no default.
   * @throws NotFoundError when nothing matches `ref`
   * @throws ConflictError when a name matches several images (the message lists their ids)
   */
  removeImage(ref: string, options?: OperationOptions): Promise<void>;

  /** The default image, or `null` when there is none. */
  getDefaultImage(options?: OperationOptions): Promise<ImageInfo | null>;

  /**
   * Makes `ref` the only default, atomically.
   * @throws NotFoundError when nothing matches `ref`
   */
  setDefaultImage(ref: string, options?: OperationOptions): Promise<ImageInfo>;
}
