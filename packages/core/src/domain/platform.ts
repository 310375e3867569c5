import { ValidationError } from '../errors/taskport-error.js';

/** The canonical platforms taskport knows. Providers map them to their own spelling (ECS `LINUX`/`ARM64`). */
export type Platform = 'linux/amd64' | 'linux/arm64';
export const PLATFORMS: readonly Platform[] = ['linux/amd64', 'linux/arm64'];
export const DEFAULT_PLATFORM: Platform = 'linux/amd64';

const ALIASES: Record<string, Platform> = {
  'linux/amd64': 'linux/amd64',
  'linux/x86_64': 'linux/amd64',
  'linux/x86-64': 'linux/amd64',
  amd64: 'linux/amd64',
  x86_64: 'linux/amd64',
  'linux/arm64': 'linux/arm64',
  'linux/arm64/v8': 'linux/arm64',
  'linux/aarch64': 'linux/arm64',
  arm64: 'linux/arm64',
  aarch64: 'linux/arm64',
};

/**
 * Canonicalises a platform (`Linux/X86_64`, `amd64`, `linux/aarch64` ...) before it is hashed or stored,
 * so two spellings of one platform give one ImageID. Unknown platforms are rejected, never guessed.
 */
export function canonicalPlatform(input: string): Platform {
  const platform = ALIASES[input.trim().toLowerCase()];
  if (!platform) {
    throw new ValidationError(
      `platform "${input}" is not supported; use one of ${PLATFORMS.join(', ')} (aliases such as amd64, x86_64, arm64, aarch64 are accepted)`,
      { details: { field: 'runtime.platform', allowed: PLATFORMS } },
    );
  }
  return platform;
}
