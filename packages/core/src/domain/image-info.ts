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
