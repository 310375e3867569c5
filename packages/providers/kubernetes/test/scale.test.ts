import { newRequestId } from '@taskport/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesExecutionStore, KubernetesTaskExecutor } from '../src/index.js';
import { busyboxImage, createNamespace, testOptions } from './support/cluster.js';

/*
 * Many executions at once on the kwok tier: pods are scheduled onto the simulated node (its taint and
 * label keep real pods off it) and completed by kwok's fast stages, while the Job controller, the
 * scheduler and the API server are real. Every start must be accounted for, and paging the records of
 * all of them must visit each exactly once. The count is TASKPORT_K8S_SCALE: 200 by default to keep the
 * run short on a 2-core machine; 500 passes too (about 220 s here, docs/benchmarks.md).
 */

const COUNT = Number(process.env.TASKPORT_K8S_SCALE ?? 200);

let space: Awaited<ReturnType<typeof createNamespace>>;
beforeAll(async () => {
  space = await createNamespace('tp-scale', { serviceAccount: true });
});
afterAll(async () => {
  await space?.remove();
});

describe(`kubernetes at scale on kwok (${COUNT} executions)`, () => {
  it(`${COUNT} concurrent starts make ${COUNT} Jobs that all finish, and list pages visit each record once`, async () => {
    const options = testOptions(space.namespace, {
      nodeSelector: { type: 'kwok' },
      tolerations: [{ key: 'kwok.x-k8s.io/node', operator: 'Exists', effect: 'NoSchedule' }],
      retry: { budgetMs: 60_000 },
    });
    const executor = new KubernetesTaskExecutor(options, space.clients);
    const store = new KubernetesExecutionStore(options, space.clients);
    const image = busyboxImage();
    const base = Date.now();
    const ids = await Promise.all(
      Array.from({ length: COUNT }, async (_, i) => {
        const requestId = newRequestId();
        const { executionId, createdAt } = await executor.startTask('scale@taskport.test', {
          command: 'true',
          image,
          env: {},
          secrets: {},
          labels: {},
          requestId,
          idempotencyKey: `scale-${base}-${i}`,
        });
        await store.create({
          executionId,
          status: 'STARTING',
          command: 'true',
          imageId: image.imageId,
          image: image.image,
          createdBy: 'scale@taskport.test',
          executor: 'kubernetes',
          createdAt: new Date(base + i).toISOString(),
          exitCode: null,
          requestId,
          labels: {},
          envKeys: [],
          env: {},
        });
        void createdAt;
        return executionId;
      }),
    );
    expect(new Set(ids).size).toBe(COUNT);

    // All Jobs exist and finish (kwok completes their pods with exit code 0).
    const deadline = Date.now() + 240_000;
    let succeeded = 0;
    while (Date.now() < deadline) {
      const jobs = await space.clients.batch.listNamespacedJob({ namespace: space.namespace });
      expect(jobs.items).toHaveLength(COUNT);
      succeeded = jobs.items.filter((job) =>
        job.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True'),
      ).length;
      if (succeeded === COUNT) break;
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
    expect(succeeded).toBe(COUNT);
    const sample = await executor.describeTask(ids[COUNT - 1]!);
    expect(sample).toMatchObject({ status: 'SUCCEEDED', exitCode: 0 });

    // Pages of 37, newest first, each record exactly once.
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.list({ limit: 37, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((item) => item.executionId));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(COUNT);
    expect(new Set(seen).size).toBe(COUNT);
    expect(seen).toEqual([...ids].reverse());
  }, 600_000);
});
