import type { V1ConfigMap } from '@kubernetes/client-node';
import {
  ConflictError,
  canonicalImageConfig,
  type ImageConfig,
  type ImageInfo,
  type ImageRegistry,
  NotFoundError,
  type OperationOptions,
  parseImageReference,
  type RegisterImageOptions,
  toImageInfo,
  ValidationError,
} from '@taskport/core';
import {
  ConfigMaps,
  labelHash,
  RECORD_LABELS,
  recordLabels,
  recordOf,
  selector,
} from './configmap-records.js';
import type { KubernetesClients } from './kubernetes-clients.js';
import { isStatus, PROVIDER } from './kubernetes-errors.js';
import type { KubernetesOptions } from './kubernetes-options.js';

const PORT = 'ImageRegistry';
/** The one ConfigMap that names the default image: changing the default is one conditional write. */
export const DEFAULT_IMAGE_CONFIGMAP = 'taskport-default-image';

type StoredImage = Omit<ImageInfo, 'isDefault'>;

export function imageConfigMapName(imageId: string): string {
  return `tpi-${labelHash(imageId)}`;
}

/**
 * Registered images as labelled ConfigMaps (`tpi-<hash of the ImageID>`, so a second registration of
 * the same config meets AlreadyExists), plus one pointer ConfigMap holding the default's ImageID. The
 * default is whatever the pointer names, so there is never more than one, and moving it is a single
 * write conditional on the pointer's resourceVersion. Kubernetes keeps no image artefact: the Job of each
 * run names the image itself.
 */
export class KubernetesImageRegistry implements ImageRegistry {
  readonly provider = PROVIDER;
  private readonly maps: ConfigMaps;

  constructor(options: KubernetesOptions, clients: KubernetesClients) {
    this.maps = new ConfigMaps(options, clients, PORT);
  }

  async registerImage(config: ImageConfig, options: RegisterImageOptions = {}): Promise<ImageInfo> {
    const operation = `${PORT}.registerImage`;
    let canonical: ReturnType<typeof canonicalImageConfig>;
    try {
      canonical = canonicalImageConfig(config);
    } catch (error) {
      if (!ValidationError.isInstance(error)) throw error;
      throw new ValidationError(error.message, {
        provider: PROVIDER,
        operation,
        ...(error.details ? { details: error.details } : {}),
      });
    }
    options.signal?.throwIfAborted();
    const info = toImageInfo(canonical, options.requestId ? { requestId: options.requestId } : {});
    let stored: StoredImage = withoutDefault(info);
    try {
      await this.maps.createRaw('registerImage', this.configMap(stored), options.signal);
    } catch (error) {
      if (!isStatus(error, 409))
        throw await this.maps.translate('registerImage', () => Promise.reject(error));
      // Registered before (or concurrently): the existing record, with its createdAt, is the answer.
      stored = recordOf<StoredImage>(
        await this.maps.read('registerImage', imageConfigMapName(info.imageId), options.signal),
        operation,
      );
    }
    const wanted = canonical.isDefault;
    let pointer: string;
    if (wanted === true) pointer = await this.setPointer(stored.imageId, () => true, options.signal);
    else if (wanted === false)
      pointer = await this.setPointer('', (current) => current === stored.imageId, options.signal);
    else {
      pointer = await this.setPointer(
        stored.imageId,
        async (current) => current === '' || !(await this.exists(current, options.signal)),
        options.signal,
      );
    }
    return { ...stored, isDefault: pointer === stored.imageId };
  }

  async listImages(options: OperationOptions = {}): Promise<ImageInfo[]> {
    options.signal?.throwIfAborted();
    const [pointer, images] = await Promise.all([this.pointer(options.signal), this.all(options.signal)]);
    return images
      .map((image) => ({ ...image, isDefault: image.imageId === pointer.imageId }))
      .sort(
        (a, b) =>
          Number(b.isDefault) - Number(a.isDefault) ||
          Date.parse(b.createdAt) - Date.parse(a.createdAt) ||
          (a.imageId < b.imageId ? -1 : 1),
      );
  }

  async getImage(ref: string, options: OperationOptions = {}): Promise<ImageInfo> {
    options.signal?.throwIfAborted();
    return this.resolve(ref, 'getImage', options.signal, false);
  }

  async removeImage(ref: string, options: OperationOptions = {}): Promise<void> {
    options.signal?.throwIfAborted();
    const image = await this.resolve(ref, 'removeImage', options.signal, true);
    try {
      await this.maps.delete('removeImage', imageConfigMapName(image.imageId), undefined, options.signal);
    } catch (error) {
      if (!NotFoundError.isInstance(error)) throw error;
    }
    await this.setPointer('', (current) => current === image.imageId, options.signal);
  }

  async getDefaultImage(options: OperationOptions = {}): Promise<ImageInfo | null> {
    options.signal?.throwIfAborted();
    const { imageId } = await this.pointer(options.signal);
    if (imageId === '') return null;
    const image = await this.byId(imageId, 'getDefaultImage', options.signal);
    return image ? { ...image, isDefault: true } : null;
  }

  async setDefaultImage(ref: string, options: OperationOptions = {}): Promise<ImageInfo> {
    options.signal?.throwIfAborted();
    const image = await this.resolve(ref, 'setDefaultImage', options.signal, false);
    await this.setPointer(image.imageId, () => true, options.signal);
    return { ...image, isDefault: true };
  }

  /**
   * Finds `ref`: an ImageID first, then the exact registered string, then the normalised reference.
   * Several matches by name: the default wins, else the newest (or ConflictError when `unique`).
   */
  private async resolve(
    ref: string,
    operation: string,
    signal: AbortSignal | undefined,
    unique: boolean,
  ): Promise<ImageInfo> {
    if (typeof ref !== 'string' || ref.trim() === '') {
      throw new ValidationError('give an ImageID or an image name', {
        provider: PROVIDER,
        operation: `${PORT}.${operation}`,
      });
    }
    const wanted = ref.trim();
    const pointer = await this.pointer(signal);
    const byId = await this.byId(wanted, operation, signal);
    if (byId) return { ...byId, isDefault: byId.imageId === pointer.imageId };

    let matches = await this.byLabel(
      RECORD_LABELS.image,
      wanted,
      (image) => image.image === wanted,
      operation,
      signal,
    );
    if (matches.length === 0) {
      let normalized: string | undefined;
      try {
        normalized = parseImageReference(wanted).normalized;
      } catch {
        normalized = undefined;
      }
      if (normalized) {
        matches = await this.byLabel(
          RECORD_LABELS.reference,
          normalized,
          (image) => image.reference === normalized,
          operation,
          signal,
        );
      }
    }
    if (matches.length === 0) {
      throw new NotFoundError(`no image "${wanted}" is registered (by ImageID or name)`, {
        provider: PROVIDER,
        operation: `${PORT}.${operation}`,
      });
    }
    if (unique && matches.length > 1) {
      throw new ConflictError(
        `"${wanted}" matches ${matches.length} images (${matches.map((m) => m.imageId).join(', ')}); name one by its ImageID`,
        { provider: PROVIDER, operation: `${PORT}.${operation}` },
      );
    }
    const chosen =
      matches.find((image) => image.imageId === pointer.imageId) ??
      [...matches].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))[0]!;
    return { ...chosen, isDefault: chosen.imageId === pointer.imageId };
  }

  private async byId(
    imageId: string,
    operation: string,
    signal?: AbortSignal,
  ): Promise<StoredImage | undefined> {
    try {
      const image = recordOf<StoredImage>(
        await this.maps.read(operation, imageConfigMapName(imageId), signal),
        `${PORT}.${operation}`,
      );
      return image.imageId === imageId ? image : undefined;
    } catch (error) {
      if (NotFoundError.isInstance(error)) return undefined;
      throw error;
    }
  }

  private async exists(imageId: string, signal?: AbortSignal): Promise<boolean> {
    return (await this.byId(imageId, 'registerImage', signal)) !== undefined;
  }

  private async byLabel(
    label: string,
    value: string,
    confirm: (image: StoredImage) => boolean,
    operation: string,
    signal?: AbortSignal,
  ): Promise<StoredImage[]> {
    const items = await this.maps.all(operation, selector('image', [`${label}=${labelHash(value)}`]), signal);
    return items.map((item) => recordOf<StoredImage>(item, `${PORT}.${operation}`)).filter(confirm);
  }

  private async all(signal?: AbortSignal): Promise<StoredImage[]> {
    const items = await this.maps.all('listImages', selector('image'), signal);
    return items.map((item) => recordOf<StoredImage>(item, `${PORT}.listImages`));
  }

  private async pointer(signal?: AbortSignal): Promise<{ imageId: string; configMap?: V1ConfigMap }> {
    try {
      const configMap = await this.maps.read('getDefaultImage', DEFAULT_IMAGE_CONFIGMAP, signal);
      return { imageId: configMap.data?.imageId ?? '', configMap };
    } catch (error) {
      if (NotFoundError.isInstance(error)) return { imageId: '' };
      throw error;
    }
  }

  /**
   * Points the default at `imageId` ('' for none) when `when(current)` holds, as one write conditional on
   * the pointer's resourceVersion (re-read and re-decided when another writer got there first).
   * Returns what the pointer names afterwards.
   */
  private async setPointer(
    imageId: string,
    when: (current: string) => boolean | Promise<boolean>,
    signal?: AbortSignal,
  ): Promise<string> {
    for (;;) {
      const current = await this.pointer(signal);
      if (current.imageId === imageId || !(await when(current.imageId))) return current.imageId;
      const body: V1ConfigMap = {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: DEFAULT_IMAGE_CONFIGMAP,
          namespace: this.maps.namespace,
          labels: recordLabels('default-image'),
          ...(current.configMap ? { resourceVersion: current.configMap.metadata!.resourceVersion! } : {}),
        },
        data: { imageId },
      };
      try {
        if (current.configMap) await this.maps.replaceRaw('setDefaultImage', body, signal);
        else await this.maps.createRaw('setDefaultImage', body, signal);
        return imageId;
      } catch (error) {
        if (isStatus(error, 409) || isStatus(error, 404)) continue;
        throw await this.maps.translate('setDefaultImage', () => Promise.reject(error));
      }
    }
  }

  private configMap(image: StoredImage): V1ConfigMap {
    return {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: imageConfigMapName(image.imageId),
        namespace: this.maps.namespace,
        labels: recordLabels('image', {
          [RECORD_LABELS.id]: labelHash(image.imageId),
          [RECORD_LABELS.image]: labelHash(image.image),
          [RECORD_LABELS.reference]: labelHash(image.reference),
        }),
      },
      data: { record: JSON.stringify(image) },
    };
  }
}

function withoutDefault(info: ImageInfo): StoredImage {
  const { isDefault: _, ...rest } = info;
  return rest;
}
