import { randomBytes } from 'node:crypto';
import {
  describeLogAggregatorContract,
  describeTaskExecutorContract,
  realRuntimeDriver,
} from '@taskport/contract-tests';
import { testExecutor, testImage, testLogs } from './support/fixtures.js';

/*
 * Both suites against the real, isolated dockerd the global setup started: real containers of the busybox
 * test image, real exit codes, the engine's own logs. Nothing is mocked and the driver has nothing to
 * play: the commands run for real. Every container runs with network "none".
 */

const unknownExecutionId = () => `taskport-${randomBytes(16).toString('hex')}`;

async function fixture() {
  const executor = testExecutor();
  const logs = testLogs();
  return {
    executor,
    logs,
    image: testImage(),
    unknownExecutionId,
    cleanup: async () => {
      await executor.close();
      await logs.close();
    },
  };
}

describeTaskExecutorContract({
  name: 'docker (real engine)',
  driver: realRuntimeDriver,
  create: fixture,
});

describeLogAggregatorContract({
  name: 'docker (real engine)',
  driver: realRuntimeDriver,
  create: fixture,
});
