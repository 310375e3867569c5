import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalImageConfig,
  computeImageId,
  fromLegacyParams,
  type ImageConfig,
  type LegacyImageParams,
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

/** Any ImageConfig: each optional key absent or present, sections possibly empty. */
const imageConfig: fc.Arbitrary<ImageConfig> = fc.record(
  {
    image: fc.string({ minLength: 1 }),
    isDefault: fc.boolean(),
    resources: fc.record(
      { cpu: fc.integer(), memory: fc.integer() },
      { requiredKeys: [], noNullPrototype: true },
    ),
    runtime: fc.record(
      { platform: fc.string(), architecture: fc.string() },
      { requiredKeys: [], noNullPrototype: true },
    ),
    permissions: fc.record(
      { taskRole: fc.string(), executionRole: fc.string() },
      { requiredKeys: [], noNullPrototype: true },
    ),
    registeredBy: fc.string(),
  },
  { requiredKeys: ['image', 'registeredBy'], noNullPrototype: true },
);

describe('legacy parameters', () => {
  it('round-trips legacy params -> ImageConfig -> legacy params losslessly', () => {
    fc.assert(
      fc.property(legacyParams, (params) => {
        expect(toLegacyParams(fromLegacyParams(params))).toEqual(params);
      }),
    );
  });

  it('round-trips an ImageConfig built from legacy params losslessly', () => {
    fc.assert(
      fc.property(legacyParams, (params) => {
        const config = fromLegacyParams(params);
        expect(fromLegacyParams(toLegacyParams(config))).toStrictEqual(config);
      }),
    );
  });

  it('round-trips any ImageConfig exactly: empty sections and the deprecated architecture included', () => {
    fc.assert(
      fc.property(imageConfig, (config) => {
        expect(fromLegacyParams(toLegacyParams(config))).toStrictEqual(config);
      }),
      { numRuns: 1000 },
    );
  });

  it('lets changed positional values win over the sections kept for the round trip', () => {
    const params = toLegacyParams({ image: 'a', registeredBy: 'b', runtime: { architecture: 'arm64' } });
    expect(params.sections).toEqual({ runtime: { architecture: 'arm64' } });
    expect(fromLegacyParams({ ...params, runtimePlatform: 'linux/amd64' }).runtime).toEqual({
      platform: 'linux/amd64',
    });
    const empty = toLegacyParams({ image: 'a', registeredBy: 'b', resources: {} });
    expect(fromLegacyParams({ ...empty, cpu: 512 }).resources).toEqual({ cpu: 512 });
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

  it('lowercases digest hex, so one digest in two spellings gives one id', () => {
    const hex = 'ab'.repeat(32);
    const lower = id({ image: `ghcr.io/acme/app@sha256:${hex}` });
    expect(id({ image: `ghcr.io/acme/app@sha256:${hex.toUpperCase()}` })).toBe(lower);
    expect(id({ image: `ghcr.io/acme/app@sha256:${'aB'.repeat(32)}` })).toBe(lower);
    expect(lower).toMatch(/^ghcr\.io\/acme\/app:sha256-abababababab-[0-9a-f]{8}$/);
  });

  it('hashes roles as the provider identifies them: a name and its ARN give one id when told so', () => {
    const arn = 'arn:aws:iam::123456789012:role/reader';
    const byName = { image: 'alpine', registeredBy: 'a', permissions: { taskRole: 'reader' } };
    const byArn = { image: 'alpine', registeredBy: 'a', permissions: { taskRole: arn } };
    // Without the provider's knowledge they are different strings, so different ids.
    expect(computeImageId(canonicalImageConfig(byArn))).not.toBe(
      computeImageId(canonicalImageConfig(byName)),
    );
    const roleIdentity = (role: string) => role.replace(/^arn:aws:iam::123456789012:role\//, '');
    const canonical = canonicalImageConfig(byArn, { roleIdentity });
    expect(computeImageId(canonical)).toBe(computeImageId(canonicalImageConfig(byName, { roleIdentity })));
    expect(computeImageId(canonical)).toBe(computeImageId(canonicalImageConfig(byName)));
    // The role itself is kept as given.
    expect(canonical.taskRole).toBe(arn);
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
