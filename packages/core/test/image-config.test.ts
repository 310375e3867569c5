import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalImageConfig,
  computeImageId,
  fromLegacyParams,
  type ImageConfig,
  type LegacyImageParams,
  looksLikeImageId,
  toLegacyParams,
} from '../src/domain/image-config.js';
import { ValidationError } from '../src/errors/taskport-error.js';

const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const legacyParams: fc.Arbitrary<LegacyImageParams> = fc.record({
  image: fc.string({ minLength: 1 }),
  isDefault: optional(fc.boolean()),
  taskRoleName: optional(fc.string()),
  taskExecutionRoleName: optional(fc.string()),
  cpu: optional(fc.integer()),
  memory: optional(fc.integer()),
  runtimePlatform: optional(fc.string()),
  createdBy: fc.string(),
});

describe('legacy parameters', () => {
  it('round-trips legacy params -> ImageConfig -> legacy params losslessly', () => {
    fc.assert(
      fc.property(legacyParams, (params) => {
        expect(toLegacyParams(fromLegacyParams(params))).toEqual(params);
      }),
    );
  });

  it('round-trips an ImageConfig without the deprecated architecture losslessly', () => {
    fc.assert(
      fc.property(legacyParams, (params) => {
        const config = fromLegacyParams(params);
        expect(fromLegacyParams(toLegacyParams(config))).toEqual(config);
      }),
    );
  });

  it('creates sub-objects only when one of their fields is given', () => {
    const config = fromLegacyParams({
      image: 'alpine',
      isDefault: undefined,
      taskRoleName: undefined,
      taskExecutionRoleName: undefined,
      cpu: 512,
      memory: undefined,
      runtimePlatform: undefined,
      createdBy: 'ana@example.com',
    });
    expect(config).toEqual({ image: 'alpine', registeredBy: 'ana@example.com', resources: { cpu: 512 } });
  });

  it('reads the deprecated architecture as linux/<architecture> when no platform is given', () => {
    expect(
      toLegacyParams({ image: 'a', registeredBy: 'b', runtime: { architecture: 'arm64' } }).runtimePlatform,
    ).toBe('linux/arm64');
  });
});

describe('ImageID', () => {
  const id = (config: Partial<ImageConfig> & { image: string }) =>
    computeImageId(canonicalImageConfig({ registeredBy: 'ana@example.com', ...config }));

  it('has the form <name>:<tag>-<8 hex>', () => {
    expect(id({ image: 'alpine' })).toMatch(/^alpine:latest-[0-9a-f]{8}$/);
    expect(id({ image: 'ghcr.io/acme/app:1.2' })).toMatch(/^ghcr\.io\/acme\/app:1\.2-[0-9a-f]{8}$/);
  });

  it('is the same for spellings of the same image and config after defaults', () => {
    const base = id({ image: 'alpine' });
    expect(id({ image: 'docker.io/library/alpine:latest' })).toBe(base);
    expect(
      id({
        image: 'alpine:latest',
        resources: { cpu: 256, memory: 512 },
        runtime: { platform: 'linux/amd64' },
      }),
    ).toBe(base);
    expect(id({ image: 'alpine', runtime: { platform: 'Linux/X86_64' } })).toBe(base);
    expect(id({ image: 'alpine', permissions: { taskRole: '  ' } })).toBe(base);
  });

  it('includes the registry, so the same path on two registries differs', () => {
    expect(id({ image: 'ghcr.io/a/x:1' })).not.toBe(id({ image: 'quay.io/a/x:1' }));
  });

  it('changes with every part of the run configuration', () => {
    const base = id({ image: 'alpine' });
    const variants = [
      id({ image: 'alpine', resources: { cpu: 512 } }),
      id({ image: 'alpine', resources: { memory: 1024 } }),
      id({ image: 'alpine', runtime: { platform: 'linux/arm64' } }),
      id({ image: 'alpine', permissions: { taskRole: 'reader' } }),
      id({ image: 'alpine', permissions: { executionRole: 'reader' } }),
      id({ image: 'alpine:3.20' }),
    ];
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
  });

  it('does not depend on who registers or whether it is the default', () => {
    expect(id({ image: 'alpine', isDefault: true, registeredBy: 'bo@example.com' })).toBe(
      id({ image: 'alpine' }),
    );
  });

  it('is recognised by its shape, and names of other shapes are not taken for one', () => {
    const images = [
      'alpine',
      'ghcr.io/acme/app:1.2',
      'localhost:5000/team/app:v2',
      'alpine@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
    ];
    for (const image of images) expect(looksLikeImageId(id({ image })), image).toBe(true);
    for (const name of [...images, 'python:3.12', 'app:v1-deadbeef0', 'alpine latest-0123abcd', ''])
      expect(looksLikeImageId(name), name).toBe(false);
  });

  it('keeps a task role and an execution role of the same name apart', () => {
    expect(id({ image: 'alpine', permissions: { taskRole: 'r' } })).not.toBe(
      id({ image: 'alpine', permissions: { executionRole: 'r' } }),
    );
  });
});

describe('canonicalImageConfig validation', () => {
  const bad = (config: unknown, message: RegExp) => {
    let caught: unknown;
    try {
      canonicalImageConfig(config as ImageConfig);
    } catch (error) {
      caught = error;
    }
    expect(ValidationError.isInstance(caught)).toBe(true);
    expect(String((caught as Error).message)).toMatch(message);
  };

  it('rejects bad input with a message that names the field', () => {
    bad({ image: '', registeredBy: 'a' }, /image "" is not a valid image reference: it is empty/);
    bad({ image: 'Alpine', registeredBy: 'a' }, /repository component "Alpine" must be lowercase/);
    bad({ image: 'alpine', registeredBy: ' ' }, /registeredBy is required/);
    bad(
      { image: 'alpine', registeredBy: 'a', resources: { cpu: 0 } },
      /resources.cpu must be a positive whole number/,
    );
    bad({ image: 'alpine', registeredBy: 'a', resources: { memory: 1.5 } }, /resources.memory/);
    bad(
      { image: 'alpine', registeredBy: 'a', runtime: { platform: 'windows/amd64' } },
      /platform "windows\/amd64" is not supported/,
    );
    bad(
      { image: 'alpine', registeredBy: 'a', permissions: { taskRole: 'has space' } },
      /permissions.taskRole/,
    );
    bad({ registeredBy: 'a' }, /image is required/);
  });

  it('applies the defaults cpu 256, memory 512, linux/amd64', () => {
    expect(canonicalImageConfig({ image: 'alpine', registeredBy: 'a' })).toMatchObject({
      cpu: 256,
      memory: 512,
      platform: 'linux/amd64',
    });
  });
});
