import { ValidationError } from '../errors/taskport-error.js';
import { sha256Hex } from '../platform/node-crypto.js';
import { type ImageReference, parseImageReference } from './image-reference.js';
import { canonicalPlatform, DEFAULT_PLATFORM, type Platform } from './platform.js';

/** Sizing. Units are provider-neutral and every provider maps them (see docs/adr/002-resource-units.md). */
export interface ResourceConfig {
  /** CPU units, 1024 = one vCPU (ECS's unit; Kubernetes and Cloud Run get `cpu/1024` cores). @default 256 */
  cpu?: number;
  /** Memory in MiB. @default 512 */
  memory?: number;
}

export interface RuntimeConfig {
  /** `linux/amd64` or `linux/arm64`; aliases (amd64, x86_64, Linux/ARM64, aarch64) are canonicalised. @default linux/amd64 */
  platform?: string;
  /** @deprecated use `platform`. Read only when `platform` is absent, as `linux/<architecture>`. */
  architecture?: string;
}

export interface PermissionConfig {
  /** What the task itself may do: AWS IAM role name, GCP service-account email, Kubernetes ServiceAccount. */
  taskRole?: string;
  /** Infrastructure permissions to pull the image and write logs (AWS only; other providers ignore it). */
  executionRole?: string;
}

/** Provider-neutral description of an image and how to run it. */
export interface ImageConfig {
  /** Image reference from any registry, e.g. `alpine:3.20`, `ghcr.io/acme/app@sha256:...`. */
  image: string;
  /**
   * `true` makes it the default (atomically replacing the old one); `false` on the current default
   * clears the default; absent makes it the default only when there is none yet.
   */
  isDefault?: boolean;
  resources?: ResourceConfig;
  runtime?: RuntimeConfig;
  permissions?: PermissionConfig;
  /** Who registers it (email or name). */
  registeredBy: string;
}

/** The positional parameters of the original `RegisterImage`, in order. */
export interface LegacyImageParams {
  image: string;
  isDefault: boolean | undefined;
  taskRoleName: string | undefined;
  taskExecutionRoleName: string | undefined;
  cpu: number | undefined;
  memory: number | undefined;
  runtimePlatform: string | undefined;
  createdBy: string;
  /**
   * Not part of the original positional form. The sections of the ImageConfig that the eight positional
   * values cannot express - a `runtime` with the deprecated `architecture`, a section present but empty
   * (`resources: {}`) - as `toLegacyParams` found them, so that `fromLegacyParams(toLegacyParams(c))` is
   * `c` exactly. `fromLegacyParams` uses a section from here only while it still agrees with the
   * positional values; changed positional values win.
   */
  sections?: LegacySections;
}

/** See `LegacyImageParams.sections`. */
export interface LegacySections {
  resources?: ResourceConfig;
  runtime?: RuntimeConfig;
  permissions?: PermissionConfig;
}

/** Converts an ImageConfig to the legacy positional parameters (plus `sections` where they fall short). */
export function toLegacyParams(config: ImageConfig): LegacyImageParams {
  const params: LegacyImageParams = {
    image: config.image,
    isDefault: config.isDefault,
    taskRoleName: config.permissions?.taskRole,
    taskExecutionRoleName: config.permissions?.executionRole,
    cpu: config.resources?.cpu,
    memory: config.resources?.memory,
    runtimePlatform: legacyPlatform(config.runtime),
    createdBy: config.registeredBy,
  };
  const sections: LegacySections = {};
  const rebuilt = positionalConfig(params);
  for (const key of ['resources', 'runtime', 'permissions'] as const) {
    const section = config[key];
    if (section !== undefined && !sameSection(section, rebuilt[key])) {
      (sections as Record<string, unknown>)[key] = { ...section };
    }
  }
  if (Object.keys(sections).length > 0) params.sections = sections;
  return params;
}

/** The legacy `runtimePlatform` of a runtime section: its platform, else `linux/<architecture>`. */
function legacyPlatform(runtime: RuntimeConfig | undefined): string | undefined {
  const architecture = runtime?.architecture;
  return runtime?.platform ?? (architecture !== undefined ? `linux/${architecture}` : undefined);
}

function sameSection(a: object | undefined, b: object | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const defined = (o: object) =>
    Object.entries(o)
      .filter(([, v]) => v !== undefined)
      .sort(([x], [y]) => (x < y ? -1 : 1));
  return JSON.stringify(defined(a)) === JSON.stringify(defined(b));
}

/**
 * Builds an ImageConfig from legacy parameters. Sub-objects are created only when one of their fields is
 * given (or `sections` says the original had them), so `fromLegacyParams(toLegacyParams(c))` is `c`
 * exactly, and `toLegacyParams(fromLegacyParams(p))` is `p` for parameters without `sections`.
 */
export function fromLegacyParams(params: LegacyImageParams): ImageConfig {
  const config = positionalConfig(params);
  const { sections } = params;
  if (
    sections?.resources &&
    sameSection(
      { cpu: sections.resources.cpu, memory: sections.resources.memory },
      { cpu: params.cpu, memory: params.memory },
    )
  ) {
    config.resources = { ...sections.resources };
  }
  if (sections?.runtime && legacyPlatform(sections.runtime) === params.runtimePlatform) {
    config.runtime = { ...sections.runtime };
  }
  if (
    sections?.permissions &&
    sameSection(
      { taskRole: sections.permissions.taskRole, executionRole: sections.permissions.executionRole },
      { taskRole: params.taskRoleName, executionRole: params.taskExecutionRoleName },
    )
  ) {
    config.permissions = { ...sections.permissions };
  }
  return config;
}

/** The ImageConfig the eight positional values alone describe. */
function positionalConfig(params: LegacyImageParams): ImageConfig {
  const config: ImageConfig = { image: params.image, registeredBy: params.createdBy };
  if (params.isDefault !== undefined) config.isDefault = params.isDefault;
  if (params.cpu !== undefined || params.memory !== undefined) {
    config.resources = {};
    if (params.cpu !== undefined) config.resources.cpu = params.cpu;
    if (params.memory !== undefined) config.resources.memory = params.memory;
  }
  if (params.runtimePlatform !== undefined) config.runtime = { platform: params.runtimePlatform };
  if (params.taskRoleName !== undefined || params.taskExecutionRoleName !== undefined) {
    config.permissions = {};
    if (params.taskRoleName !== undefined) config.permissions.taskRole = params.taskRoleName;
    if (params.taskExecutionRoleName !== undefined)
      config.permissions.executionRole = params.taskExecutionRoleName;
  }
  return config;
}

/** How a registry canonicalises what only the provider can tell apart or together. */
export interface CanonicalizeOptions {
  /**
   * The provider's identity of a role, so that two spellings of one role give one ImageID: e.g. AWS maps
   * an IAM role ARN of the deployment's own account to the role's name. Called with the trimmed role;
   * only the ImageID uses the result, the role itself is kept as given.
   * @default the role as given
   */
  roleIdentity?: (role: string) => string;
}

export const DEFAULT_CPU = 256;
export const DEFAULT_MEMORY = 512;

/** An ImageConfig after validation and defaults: what the ImageID is computed over. */
export interface CanonicalImageConfig {
  reference: ImageReference;
  /** The image string exactly as registered (trimmed). */
  image: string;
  cpu: number;
  memory: number;
  platform: Platform;
  taskRole: string | undefined;
  executionRole: string | undefined;
  /** What the ImageID hashes for the roles: `roleIdentity(role)`, the role itself by default. */
  roleIdentities?: { taskRole?: string | undefined; executionRole?: string | undefined };
  isDefault: boolean | undefined;
  registeredBy: string;
}

const ROLE = /^[\w+=,.@:/-]{1,256}$/;

/**
 * Validates an ImageConfig and applies defaults. Throws ValidationError naming the field and the fix.
 * Provider-specific limits (Fargate cpu/memory pairs, ...) are checked by each provider on top of this.
 */
export function canonicalImageConfig(
  config: ImageConfig,
  options: CanonicalizeOptions = {},
): CanonicalImageConfig {
  if (typeof config !== 'object' || config === null) {
    throw new ValidationError('image config must be an object with at least `image` and `registeredBy`');
  }
  if (typeof config.image !== 'string') {
    throw new ValidationError('image is required: give an image reference such as "alpine:3.20"', {
      details: { field: 'image' },
    });
  }
  const reference = parseImageReference(config.image);
  const registeredBy = typeof config.registeredBy === 'string' ? config.registeredBy.trim() : '';
  if (registeredBy === '') {
    throw new ValidationError('registeredBy is required: say who registers the image (an email or a name)', {
      details: { field: 'registeredBy' },
    });
  }
  const cpu = positiveInteger(
    config.resources?.cpu,
    DEFAULT_CPU,
    'resources.cpu',
    'CPU units (1024 = 1 vCPU)',
  );
  const memory = positiveInteger(config.resources?.memory, DEFAULT_MEMORY, 'resources.memory', 'MiB');
  const rawPlatform =
    config.runtime?.platform?.trim() ||
    (config.runtime?.architecture?.trim() ? `linux/${config.runtime.architecture.trim()}` : undefined);
  const platform = rawPlatform ? canonicalPlatform(rawPlatform) : DEFAULT_PLATFORM;
  const taskRole = role(config.permissions?.taskRole, 'permissions.taskRole');
  const executionRole = role(config.permissions?.executionRole, 'permissions.executionRole');
  const identity = options.roleIdentity;
  return {
    reference,
    image: config.image.trim(),
    cpu,
    memory,
    platform,
    taskRole,
    executionRole,
    ...(identity
      ? {
          roleIdentities: {
            taskRole: taskRole === undefined ? undefined : identity(taskRole),
            executionRole: executionRole === undefined ? undefined : identity(executionRole),
          },
        }
      : {}),
    isDefault: config.isDefault,
    registeredBy,
  };
}

function positiveInteger(value: number | undefined, fallback: number, field: string, unit: string): number {
  if (value === undefined || value === null) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new ValidationError(`${field} must be a positive whole number of ${unit}, got ${String(value)}`, {
      details: { field },
    });
  }
  return value;
}

function role(value: string | undefined, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  const trimmed = String(value).trim();
  if (trimmed === '') return undefined;
  if (!ROLE.test(trimmed)) {
    throw new ValidationError(
      `${field} "${trimmed}" is not a valid role name, ARN, service account or email (letters, digits and +=,.@:/-_ only)`,
      { details: { field } },
    );
  }
  return trimmed;
}

/**
 * The ImageID: `<familiar name>:<tag>-<8 hex>`. The hash covers the full normalised reference (registry
 * included, so ghcr.io/a/x:1 and quay.io/a/x:1 differ; digest hex lowercased) and the canonical config
 * after defaults, so the same configuration always has the same id and any change of it gives a new
 * one. Roles enter as the provider's identity of them (`CanonicalizeOptions.roleIdentity`), so a role
 * named by name and by its ARN gives one id where the provider can tell they are the same.
 */
export function computeImageId(config: CanonicalImageConfig): string {
  const hashInput = [
    config.reference.normalized,
    config.cpu,
    config.memory,
    config.platform,
    config.roleIdentities?.taskRole ?? config.taskRole ?? '',
    config.roleIdentities?.executionRole ?? config.executionRole ?? '',
  ].join('\n');
  const hash = sha256Hex(hashInput).slice(0, 8);
  const { tag, digest } = config.reference;
  const version = tag ?? (digest ? digest.replace(':', '-').slice(0, 19) : 'latest');
  return `${config.reference.familiarName}:${version}-${hash}`;
}

const IMAGE_ID_SHAPE = /^\S+:[^\s:/]+-[0-9a-f]{8}$/;

/**
 * True when `ref` has the shape of an ImageID (`<name>:<version>-<8 hex>`). A string of any other shape
 * can only be an image name, so a registry can skip its id lookup for it.
 */
export function looksLikeImageId(ref: string): boolean {
  return IMAGE_ID_SHAPE.test(ref);
}

/** True when two canonical configs describe the same runnable image (same ImageID). */
export function sameImageConfig(a: CanonicalImageConfig, b: CanonicalImageConfig): boolean {
  return computeImageId(a) === computeImageId(b);
}
