import { waitFor } from '@taskport/contract-tests';
import { newRequestId } from '@taskport/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesTaskExecutor } from '../src/index.js';
import { busyboxImage, createNamespace, randomName, testOptions } from './support/cluster.js';

let space: Awaited<ReturnType<typeof createNamespace>>;
beforeAll(async () => {
  space = await createNamespace('tp-batch', { serviceAccount: true });
});
afterAll(async () => {
  await space?.remove();
});

describe('KubernetesTaskExecutor.describeTasks', () => {
  it('reads many tasks in one batch, as describeTask does, and leaves unknown ids out', async () => {
    const executor = new KubernetesTaskExecutor(testOptions(space.namespace), space.clients);
    const start = (command: string) =>
      executor.startTask('batch@taskport.test', {
        command,
        image: busyboxImage(),
        env: {},
        secrets: {},
        labels: {},
        requestId: newRequestId(),
      });
    const done = await start('exit 4');
    const running = await start('sleep 60');
    await waitFor(
      () => executor.describeTask(done.executionId),
      (d) => d.status === 'FAILED',
      { timeoutMs: 45_000, what: 'the exit-4 task to fail' },
    );
    await waitFor(
      () => executor.describeTask(running.executionId),
      (d) => d.status === 'RUNNING',
      { timeoutMs: 45_000, what: 'the sleeping task to run' },
    );
    const unknown = randomName('taskport-unknown');
    const batch = await executor.describeTasks([done.executionId, running.executionId, unknown]);
    expect([...batch.keys()].sort()).toEqual([done.executionId, running.executionId].sort());
    expect(batch.get(done.executionId)).toEqual(await executor.describeTask(done.executionId));
    expect(batch.get(running.executionId)).toMatchObject({ status: 'RUNNING', exitCode: null });
    expect((await executor.describeTasks([])).size).toBe(0);
    await executor.killTask(running.executionId);
  });
});
