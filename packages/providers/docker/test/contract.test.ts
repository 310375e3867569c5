import { randomBytes } from 'node:crypto';
import {
  type ContractDriver,
  describeLogAggregatorContract,
  describeTaskExecutorContract,
  realRuntimeDriver,
} from '@taskport/contract-tests';
import { inject } from 'vitest';
import {
  DockerEngine,
  DockerLogAggregator,
  DockerTaskExecutor,
  type EngineRequest,
  removeTaskRecords,
} from '../src/index.js';
import { testImage, testOptions } from './support/fixtures.js';

/*
 * Both suites against the real, isolated dockerd the global setup started: real containers of the busybox
 * test image, real exit codes, the engine's own logs. Nothing is mocked and the driver has nothing to
 * play: the commands run for real. Every container runs with network "none".
 */

const unknownExecutionId = () => `taskport-${randomBytes(16).toString('hex')}`;

/** An engine client that counts every call that reaches the engine, for the aborted-signal cases. */
class CountingEngine extends DockerEngine {
  calls = 0;
  override request<T = unknown>(method: string, path: string, request?: EngineRequest) {
    this.calls++;
    return super.request<T>(method, path, request);
  }
  override stream(method: string, path: string, request?: EngineRequest) {
    this.calls++;
    return super.stream(method, path, request);
  }
  override hijack(method: string, path: string, request?: EngineRequest) {
    this.calls++;
    return super.hijack(method, path, request);
  }
}

/**
 * The real runtime needs no playing; `forget` does what happens when a user or a sweep removes the task
 * behind taskport's back: the container and taskport's records of it go from the engine.
 */
const driver: ContractDriver & { forget(executionId: string): Promise<void> } = {
  ...realRuntimeDriver,
  async forget(executionId) {
    const engine = new DockerEngine({ host: inject('dockerHost') });
    try {
      await engine.request('DELETE', `/containers/${encodeURIComponent(executionId)}`, {
        query: { force: 'true' },
      });
      await removeTaskRecords(engine, executionId);
    } finally {
      engine.close();
    }
  },
};

async function fixture() {
  const engine = new CountingEngine({ host: inject('dockerHost') });
  // A default grace well apart from the 2 s the grace-period test chooses, so that test tells the two apart.
  const executor = new DockerTaskExecutor(testOptions({ killGraceSeconds: 10 }), { engine });
  const logs = new DockerLogAggregator(testOptions(), { engine });
  return {
    executor,
    logs,
    image: testImage(),
    unknownExecutionId,
    providerCalls: () => engine.calls,
    cleanup: async () => {
      await executor.close();
      await logs.close();
      engine.close();
    },
  };
}

const NO_SECRET_STORE =
  'the Docker Engine has no secret store to pass a reference into (swarm secrets need swarm mode); secrets are values, delivered on stdin';

describeTaskExecutorContract({
  name: 'docker (real engine)',
  driver,
  create: fixture,
  disable: { 'a secret passed by reference reaches the task environment as its value': NO_SECRET_STORE },
});

describeLogAggregatorContract({
  name: 'docker (real engine)',
  driver,
  create: fixture,
});
