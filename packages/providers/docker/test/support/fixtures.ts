import { canonicalImageConfig, type ImageInfo, toImageInfo } from '@taskport/core';
import { inject } from 'vitest';
import {
  DockerEngine,
  DockerLogAggregator,
  type DockerOptions,
  DockerTaskExecutor,
} from '../../src/index.js';

/** Options every test executor uses: the isolated engine, no network, a short kill grace. */
export function testOptions(overrides: Partial<DockerOptions> = {}): Partial<DockerOptions> {
  return {
    host: inject('dockerHost'),
    networkMode: 'none',
    killGraceSeconds: 2,
    pullPolicy: 'missing',
    ...overrides,
  };
}

/** The busybox test image as a registry would resolve it. */
export function testImage(config: { cpu?: number; memory?: number } = {}): ImageInfo {
  return toImageInfo(
    canonicalImageConfig({
      image: inject('dockerTestImage'),
      registeredBy: 'tests@taskport.test',
      ...(config.cpu || config.memory ? { resources: { ...config } } : {}),
    }),
  );
}

/** A raw engine client for looking behind the adapter's back. */
export function testEngine(): DockerEngine {
  return new DockerEngine({ host: inject('dockerHost') });
}

export function testExecutor(overrides: Partial<DockerOptions> = {}): DockerTaskExecutor {
  return new DockerTaskExecutor(testOptions(overrides));
}

export function testLogs(): DockerLogAggregator {
  return new DockerLogAggregator(testOptions());
}
