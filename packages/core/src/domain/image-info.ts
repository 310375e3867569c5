import { type CanonicalImageConfig, computeImageId } from './image-config.js';
import type { Platform } from './platform.js';

/** A registered image: the canonical config plus registry bookkeeping. */
export interface ImageInfo {
  /** `<name>:<tag>-<8 hex>`, see `computeImageId`. */
  imageId: string;
  /** The reference exactly as registered. */
  image: string;
  /** Fully normalised reference (`docker.io/library/alpine:latest`); what executors pull. */
  reference: string;
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
  isDefault: boolean;
  /** CPU units, 1024 = 1 vCPU. */
  cpu: number;
  /** MiB. */
  memory: number;
  platform: Platform;
  taskRole?: string;
  executionRole?: string;
  registeredBy: string;
  /** ISO 8601. */
  createdAt: string;
  /** Request that registered it. */
  requestId?: string;
  /** Provider artefact that backs this image (ECS task definition family, Cloud Run job, ...). */
  providerRef?: string;
}

/** Registry bookkeeping that is not part of the image configuration itself. */
export interface ImageInfoExtras {
  /** @default false */
  isDefault?: boolean;
  /** ISO 8601. @default now */
  createdAt?: string;
  requestId?: string;
  providerRef?: string;
}

/** The ImageInfo of a validated configuration: the one mapping every registry (and test fixture) uses. */
export function toImageInfo(canonical: CanonicalImageConfig, extras: ImageInfoExtras = {}): ImageInfo {
  const { reference } = canonical;
  return {
    imageId: computeImageId(canonical),
    image: canonical.image,
    reference: reference.normalized,
    registry: reference.registry,
    repository: reference.repository,
    ...(reference.tag ? { tag: reference.tag } : {}),
    ...(reference.digest ? { digest: reference.digest } : {}),
    isDefault: extras.isDefault ?? false,
    cpu: canonical.cpu,
    memory: canonical.memory,
    platform: canonical.platform,
    ...(canonical.taskRole ? { taskRole: canonical.taskRole } : {}),
    ...(canonical.executionRole ? { executionRole: canonical.executionRole } : {}),
    registeredBy: canonical.registeredBy,
    createdAt: extras.createdAt ?? new Date().toISOString(),
    ...(extras.requestId ? { requestId: extras.requestId } : {}),
    ...(extras.providerRef ? { providerRef: extras.providerRef } : {}),
  };
}
