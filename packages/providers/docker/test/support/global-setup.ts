import type { TestProject } from 'vitest/node';
import { startDockerHarness } from '../../../../../tooling/docker/docker-harness.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `unix://...` of the isolated test engine. */
    dockerHost: string;
    /** The busybox test image, in the engine. */
    dockerTestImage: string;
    /** The test image in the local registry (not in the engine until pulled). */
    dockerRegistryImage: { registry: string; repository: string; digest: string };
  }
}

/**
 * One isolated engine for the whole run (installed with apt-get when missing, see tooling/docker): no test
 * ever talks to the machine's own Docker. Everything is stopped by pid at the end, also after a failure.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const harness = await startDockerHarness();
  project.provide('dockerHost', harness.host);
  project.provide('dockerTestImage', harness.image);
  project.provide('dockerRegistryImage', {
    registry: harness.registry,
    repository: 'taskport-test/busybox',
    digest: harness.registryImage.digest,
  });
  return () => harness.stop();
}
