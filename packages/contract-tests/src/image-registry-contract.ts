import {
  canonicalImageConfig,
  computeImageId,
  type ImageConfig,
  type ImageInfo,
  NotFoundError,
  ValidationError,
} from '@taskport/core';
import { expect } from 'vitest';
import { defineContractSuite } from './contract-suite.js';
import { expectTaskportError } from './expect-error.js';
import { expectNoProviderCall } from './expect-no-provider-call.js';
import { randomToken } from './random-id.js';
import type { ImageRegistryFixture, RequiresOrDisables, SuiteOptions } from './suite-options.js';
import { sleep } from './wait-for.js';

/** Every test of the ImageRegistry suite, in the order they run. */
export const IMAGE_REGISTRY_TESTS = [
  'registerImage returns the image with the ImageID core computes for its config',
  'registerImage twice with the same config returns the same id and lists one image',
  'registerImage with a different cpu gives a different id',
  'registerImage with a different platform gives a different id',
  'the same repository and tag on ghcr.io and quay.io get different ids',
  'platform aliases Linux/X86_64 and linux/amd64 give the same id',
  'getImage finds an image by its id and by its name',
  'getImage by a short Docker Hub name finds the normalised docker.io/library reference',
  'the first registered image becomes the default',
  'listImages returns the default first, then the newest first',
  'registerImage with isDefault true moves the default atomically',
  'setDefaultImage moves the default',
  'registerImage with isDefault false on the current default clears the default',
  'removeImage removes the image from listImages and getImage',
  'removing the default image leaves no default',
  'getImage on an unknown image throws NotFoundError',
  'removeImage on an unknown image throws NotFoundError',
  'setDefaultImage on an unknown image throws NotFoundError',
  'registerImage rejects an invalid config with ValidationError and registers nothing',
  'concurrent registrations of the same config create one image',
  'concurrent isDefault registrations of different images leave exactly one default',
  'registerImage with a digest in upper-case hex gives the id of its lower-case spelling',
  'every method rejects an already-aborted signal without a provider call',
] as const;
export type ImageRegistryTestName = (typeof IMAGE_REGISTRY_TESTS)[number];

/** The tests that need `fixture.providerCalls` (or must be disabled). */
export const IMAGE_REGISTRY_TESTS_NEEDING_PROVIDER_CALLS = [
  'every method rejects an already-aborted signal without a provider call',
] as const satisfies readonly ImageRegistryTestName[];

/**
 * Options of `describeImageRegistryContract`. `create()` must return an empty registry (the default
 * rules are about the first image ever registered), e.g. a fresh SQLite file or a fresh table.
 */
export type ImageRegistryContractOptions = SuiteOptions<ImageRegistryFixture, ImageRegistryTestName> &
  RequiresOrDisables<
    ImageRegistryFixture,
    'providerCalls',
    (typeof IMAGE_REGISTRY_TESTS_NEEDING_PROVIDER_CALLS)[number],
    ImageRegistryTestName
  >;

const REGISTERED_BY = 'contract@taskport.test';
/** Sizing every provider accepts (a valid Fargate pair, within Cloud Run limits). */
const RESOURCES = { cpu: 1024, memory: 2048 } as const;

/** A config for a repository unique to this test, so runs never see each other's images. */
function config(image: string, extra: Partial<ImageConfig> = {}): ImageConfig {
  return { image, resources: { ...RESOURCES }, registeredBy: REGISTERED_BY, ...extra };
}

function uniqueImage(registry = 'ghcr.io', tag = '1'): string {
  return `${registry}/contract-${randomToken()}/app:${tag}`;
}

function defaults(images: readonly ImageInfo[]): string[] {
  return images.filter((image) => image.isDefault).map((image) => image.imageId);
}

/**
 * The ImageRegistry contract: ImageIDs, idempotent registration, lookup by id and name, the one-default
 * rule under concurrency, removal and validation, against a fresh (empty) registry per test.
 */
export function describeImageRegistryContract(options: ImageRegistryContractOptions): void {
  defineContractSuite<ImageRegistryFixture, ImageRegistryTestName>(
    'ImageRegistry',
    options,
    IMAGE_REGISTRY_TESTS,
    {
      'registerImage returns the image with the ImageID core computes for its config': async ({
        fixture,
      }) => {
        const input = config(uniqueImage('ghcr.io', '1.2'), { runtime: { platform: 'linux/arm64' } });
        const requestId = `req-contract-${randomToken()}`;
        const info = await fixture.registry.registerImage(input, { requestId });
        const canonical = canonicalImageConfig(input);
        expect(info.imageId).toBe(computeImageId(canonical));
        expect(info.imageId).toMatch(/^ghcr\.io\/contract-[0-9a-f]+\/app:1\.2-[0-9a-f]{8}$/);
        expect(info).toMatchObject({
          image: input.image,
          reference: canonical.reference.normalized,
          registry: 'ghcr.io',
          repository: canonical.reference.repository,
          tag: '1.2',
          cpu: RESOURCES.cpu,
          memory: RESOURCES.memory,
          platform: 'linux/arm64',
          registeredBy: REGISTERED_BY,
          requestId,
        });
        expect(Number.isNaN(Date.parse(info.createdAt))).toBe(false);
      },

      'registerImage twice with the same config returns the same id and lists one image': async ({
        fixture,
      }) => {
        const input = config(uniqueImage());
        const first = await fixture.registry.registerImage(input);
        const second = await fixture.registry.registerImage({ ...input });
        expect(second.imageId).toBe(first.imageId);
        const listed = await fixture.registry.listImages();
        expect(listed.filter((image) => image.imageId === first.imageId)).toHaveLength(1);
        expect(listed).toHaveLength(1);
      },

      'registerImage with a different cpu gives a different id': async ({ fixture }) => {
        const image = uniqueImage();
        const small = await fixture.registry.registerImage(config(image));
        const large = await fixture.registry.registerImage(
          config(image, { resources: { cpu: 2048, memory: 4096 } }),
        );
        expect(large.imageId).not.toBe(small.imageId);
        expect(large.cpu).toBe(2048);
        expect(await fixture.registry.listImages()).toHaveLength(2);
      },

      'registerImage with a different platform gives a different id': async ({ fixture }) => {
        const image = uniqueImage();
        const amd = await fixture.registry.registerImage(
          config(image, { runtime: { platform: 'linux/amd64' } }),
        );
        const arm = await fixture.registry.registerImage(
          config(image, { runtime: { platform: 'linux/arm64' } }),
        );
        expect(arm.imageId).not.toBe(amd.imageId);
        expect([amd.platform, arm.platform]).toEqual(['linux/amd64', 'linux/arm64']);
      },

      'the same repository and tag on ghcr.io and quay.io get different ids': async ({ fixture }) => {
        const path = `contract-${randomToken()}/x:1`;
        const ghcr = await fixture.registry.registerImage(config(`ghcr.io/${path}`));
        const quay = await fixture.registry.registerImage(config(`quay.io/${path}`));
        expect(quay.imageId).not.toBe(ghcr.imageId);
        expect([ghcr.registry, quay.registry]).toEqual(['ghcr.io', 'quay.io']);
        expect((await fixture.registry.getImage(`quay.io/${path}`)).imageId).toBe(quay.imageId);
        expect((await fixture.registry.getImage(`ghcr.io/${path}`)).imageId).toBe(ghcr.imageId);
      },

      'platform aliases Linux/X86_64 and linux/amd64 give the same id': async ({ fixture }) => {
        const image = uniqueImage();
        const alias = await fixture.registry.registerImage(
          config(image, { runtime: { platform: 'Linux/X86_64' } }),
        );
        const canonical = await fixture.registry.registerImage(
          config(image, { runtime: { platform: 'linux/amd64' } }),
        );
        expect(canonical.imageId).toBe(alias.imageId);
        expect(alias.platform).toBe('linux/amd64');
        expect(await fixture.registry.listImages()).toHaveLength(1);
      },

      'getImage finds an image by its id and by its name': async ({ fixture }) => {
        const image = uniqueImage();
        const other = await fixture.registry.registerImage(config(uniqueImage()));
        const info = await fixture.registry.registerImage(config(image));
        expect((await fixture.registry.getImage(info.imageId)).imageId).toBe(info.imageId);
        expect((await fixture.registry.getImage(image)).imageId).toBe(info.imageId);
        expect((await fixture.registry.getImage(other.imageId)).imageId).toBe(other.imageId);
      },

      'getImage by a short Docker Hub name finds the normalised docker.io/library reference': async ({
        fixture,
      }) => {
        const name = `contract-${randomToken()}`;
        const info = await fixture.registry.registerImage(config(`docker.io/library/${name}:latest`));
        expect(info.reference).toBe(`docker.io/library/${name}:latest`);
        for (const ref of [name, `${name}:latest`, `docker.io/${name}`, `docker.io/library/${name}:latest`]) {
          expect((await fixture.registry.getImage(ref)).imageId, `getImage(${ref})`).toBe(info.imageId);
        }
      },

      'the first registered image becomes the default': async ({ fixture }) => {
        expect(await fixture.registry.getDefaultImage()).toBeNull();
        const first = await fixture.registry.registerImage(config(uniqueImage()));
        const second = await fixture.registry.registerImage(config(uniqueImage()));
        expect(first.isDefault).toBe(true);
        expect(second.isDefault).toBe(false);
        expect((await fixture.registry.getDefaultImage())?.imageId).toBe(first.imageId);
        const listed = await fixture.registry.listImages();
        expect(defaults(listed)).toEqual([first.imageId]);
        expect(listed[0]?.imageId).toBe(first.imageId);
      },

      'listImages returns the default first, then the newest first': async ({ fixture, signal }) => {
        const registered: ImageInfo[] = [];
        for (let i = 0; i < 4; i++) {
          registered.push(await fixture.registry.registerImage(config(uniqueImage())));
          // Distinct createdAt (millisecond precision) whatever the clock resolution.
          await sleep(20, signal);
        }
        const [a, b, c, d] = registered.map((image) => image.imageId);
        expect((await fixture.registry.listImages()).map((image) => image.imageId)).toEqual([a, d, c, b]);
        await fixture.registry.setDefaultImage(c!);
        expect((await fixture.registry.listImages()).map((image) => image.imageId)).toEqual([c, d, b, a]);
      },

      'registerImage with isDefault true moves the default atomically': async ({ fixture }) => {
        const old = await fixture.registry.registerImage(config(uniqueImage()));
        const next = await fixture.registry.registerImage(config(uniqueImage(), { isDefault: true }));
        expect(next.isDefault).toBe(true);
        const listed = await fixture.registry.listImages();
        expect(defaults(listed)).toEqual([next.imageId]);
        expect(listed[0]?.imageId).toBe(next.imageId);
        expect((await fixture.registry.getImage(old.imageId)).isDefault).toBe(false);
        expect((await fixture.registry.getDefaultImage())?.imageId).toBe(next.imageId);
      },

      'setDefaultImage moves the default': async ({ fixture }) => {
        const first = await fixture.registry.registerImage(config(uniqueImage()));
        const second = await fixture.registry.registerImage(config(uniqueImage()));
        const result = await fixture.registry.setDefaultImage(second.imageId);
        expect(result.imageId).toBe(second.imageId);
        expect(result.isDefault).toBe(true);
        expect(defaults(await fixture.registry.listImages())).toEqual([second.imageId]);
        expect((await fixture.registry.getImage(first.imageId)).isDefault).toBe(false);
        // By name as well, and back.
        await fixture.registry.setDefaultImage(first.image);
        expect((await fixture.registry.getDefaultImage())?.imageId).toBe(first.imageId);
        expect(defaults(await fixture.registry.listImages())).toEqual([first.imageId]);
      },

      'registerImage with isDefault false on the current default clears the default': async ({ fixture }) => {
        const input = config(uniqueImage());
        const info = await fixture.registry.registerImage(input);
        expect(info.isDefault).toBe(true);
        const again = await fixture.registry.registerImage({ ...input, isDefault: false });
        expect(again.imageId).toBe(info.imageId);
        expect(again.isDefault).toBe(false);
        expect(await fixture.registry.getDefaultImage()).toBeNull();
        expect(defaults(await fixture.registry.listImages())).toEqual([]);
      },

      'removeImage removes the image from listImages and getImage': async ({ fixture }) => {
        const keep = await fixture.registry.registerImage(config(uniqueImage()));
        const gone = await fixture.registry.registerImage(config(uniqueImage()));
        await fixture.registry.removeImage(gone.imageId);
        const listed = await fixture.registry.listImages();
        expect(listed.map((image) => image.imageId)).toEqual([keep.imageId]);
        await expectTaskportError(
          fixture.registry.getImage(gone.imageId),
          NotFoundError,
          'getImage after removeImage',
        );
        // Registering it again works and gives the same id.
        expect((await fixture.registry.registerImage(config(gone.image))).imageId).toBe(gone.imageId);
      },

      'removing the default image leaves no default': async ({ fixture }) => {
        const first = await fixture.registry.registerImage(config(uniqueImage()));
        const second = await fixture.registry.registerImage(config(uniqueImage()));
        expect(first.isDefault).toBe(true);
        await fixture.registry.removeImage(first.imageId);
        expect(await fixture.registry.getDefaultImage()).toBeNull();
        const listed = await fixture.registry.listImages();
        expect(listed.map((image) => image.imageId)).toEqual([second.imageId]);
        expect(defaults(listed)).toEqual([]);
      },

      'getImage on an unknown image throws NotFoundError': async ({ fixture }) => {
        await fixture.registry.registerImage(config(uniqueImage()));
        await expectTaskportError(
          fixture.registry.getImage(uniqueImage()),
          NotFoundError,
          'getImage by name',
        );
        await expectTaskportError(
          fixture.registry.getImage(`contract-${randomToken()}:1-0123abcd`),
          NotFoundError,
          'getImage by id',
        );
      },

      'removeImage on an unknown image throws NotFoundError': async ({ fixture }) => {
        const kept = await fixture.registry.registerImage(config(uniqueImage()));
        await expectTaskportError(fixture.registry.removeImage(uniqueImage()), NotFoundError, 'removeImage');
        expect((await fixture.registry.listImages()).map((image) => image.imageId)).toEqual([kept.imageId]);
      },

      'setDefaultImage on an unknown image throws NotFoundError': async ({ fixture }) => {
        const kept = await fixture.registry.registerImage(config(uniqueImage()));
        await expectTaskportError(
          fixture.registry.setDefaultImage(uniqueImage()),
          NotFoundError,
          'setDefaultImage',
        );
        expect((await fixture.registry.getDefaultImage())?.imageId).toBe(kept.imageId);
      },

      'registerImage rejects an invalid config with ValidationError and registers nothing': async ({
        fixture,
      }) => {
        const image = uniqueImage();
        const invalid: Array<[string, ImageConfig]> = [
          ['an unknown platform', config(image, { runtime: { platform: 'windows/amd64' } })],
          ['cpu 0', config(image, { resources: { cpu: 0, memory: 2048 } })],
          ['negative memory', config(image, { resources: { cpu: 1024, memory: -1 } })],
          ['an empty image', config('')],
          ['an image with white space', config('alpine 3')],
          ['no registeredBy', { ...config(image), registeredBy: '' }],
        ];
        for (const [what, input] of invalid) {
          await expectTaskportError(
            fixture.registry.registerImage(input),
            ValidationError,
            `registerImage with ${what}`,
          );
        }
        expect(await fixture.registry.listImages()).toEqual([]);
        expect(await fixture.registry.getDefaultImage()).toBeNull();
      },

      'concurrent registrations of the same config create one image': async ({ fixture }) => {
        const input = config(uniqueImage());
        const results = await Promise.all(
          Array.from({ length: 6 }, () => fixture.registry.registerImage({ ...input })),
        );
        const ids = new Set(results.map((info) => info.imageId));
        expect(ids.size).toBe(1);
        const listed = await fixture.registry.listImages();
        expect(listed).toHaveLength(1);
        expect(defaults(listed)).toEqual([results[0]?.imageId]);
      },

      'concurrent isDefault registrations of different images leave exactly one default': async ({
        fixture,
      }) => {
        const results = await Promise.all(
          Array.from({ length: 6 }, () =>
            fixture.registry.registerImage(config(uniqueImage(), { isDefault: true })),
          ),
        );
        const listed = await fixture.registry.listImages();
        expect(listed).toHaveLength(results.length);
        const winners = defaults(listed);
        expect(winners).toHaveLength(1);
        expect(results.map((info) => info.imageId)).toContain(winners[0]);
        expect((await fixture.registry.getDefaultImage())?.imageId).toBe(winners[0]);
      },

      'registerImage with a digest in upper-case hex gives the id of its lower-case spelling': async ({
        fixture,
      }) => {
        const hex = `${randomToken(16)}${randomToken(16)}`;
        const repository = `ghcr.io/contract-${randomToken()}/app`;
        const lower = await fixture.registry.registerImage(config(`${repository}@sha256:${hex}`));
        const upper = await fixture.registry.registerImage(
          config(`${repository}@sha256:${hex.toUpperCase()}`),
        );
        expect(upper.imageId).toBe(lower.imageId);
        expect(upper.digest).toBe(`sha256:${hex}`);
        expect(await fixture.registry.listImages()).toHaveLength(1);
      },

      'every method rejects an already-aborted signal without a provider call': async ({ fixture }) => {
        const { registry, providerCalls } = fixture;
        if (!providerCalls) {
          throw new Error(
            '[contract-tests] ImageRegistry: this test counts provider calls, but the fixture has no `providerCalls`; add one, or disable the test with a reason',
          );
        }
        const existing = await registry.registerImage(config(uniqueImage()));
        const controller = new AbortController();
        controller.abort(new Error('contract test aborted this call before it began'));
        const signal = controller.signal;
        await expectNoProviderCall(providerCalls, 'registerImage', () =>
          registry.registerImage(config(uniqueImage()), { signal }),
        );
        await expectNoProviderCall(providerCalls, 'listImages', () => registry.listImages({ signal }));
        await expectNoProviderCall(providerCalls, 'getImage', () =>
          registry.getImage(existing.imageId, { signal }),
        );
        await expectNoProviderCall(providerCalls, 'getDefaultImage', () =>
          registry.getDefaultImage({ signal }),
        );
        await expectNoProviderCall(providerCalls, 'setDefaultImage', () =>
          registry.setDefaultImage(existing.imageId, { signal }),
        );
        await expectNoProviderCall(providerCalls, 'removeImage', () =>
          registry.removeImage(existing.imageId, { signal }),
        );
        expect((await registry.listImages()).map((image) => image.imageId)).toEqual([existing.imageId]);
      },
    },
  );
}
