import { waitFor } from '@taskport/contract-tests';
import { newRequestId } from '@taskport/core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  KubernetesBackendLogger,
  KubernetesBackendObservability,
  KubernetesExecutionStore,
  KubernetesImageRegistry,
  KubernetesLogAggregator,
  KubernetesTaskExecutor,
  setupKubernetesNamespace,
} from '../src/index.js';
import { busyboxImage, clientsFor, createNamespace, testOptions } from './support/cluster.js';

/*
 * Every port driven with a ServiceAccount token bound to exactly the documented Role (TASKPORT_RBAC_RULES):
 * proves the Role is enough, and that nothing taskport does needs more.
 */

let space: Awaited<ReturnType<typeof createNamespace>>;
let token: string;
beforeAll(async () => {
  space = await createNamespace('tp-rbac', { serviceAccount: true });
  const { namespace, clients } = space;
  // What `taskport kubernetes setup` applies; twice, to show it is idempotent.
  await setupKubernetesNamespace(clients, namespace, 'taskport');
  const { applied } = await setupKubernetesNamespace(clients, namespace, 'taskport');
  expect(applied).toEqual([
    `ServiceAccount ${namespace}/taskport`,
    `Role ${namespace}/taskport`,
    `RoleBinding ${namespace}/taskport`,
  ]);
  const request = await clients.core.createNamespacedServiceAccountToken({
    name: 'taskport',
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  token = request.status!.token!;
});
afterAll(async () => {
  await space?.remove();
});

describe('kubernetes with a ServiceAccount bound to the documented Role', () => {
  it('runs a task, reads its logs, and uses the store, the registry and the backend lines', async () => {
    const clients = clientsFor(inject('apiServer'), token);
    const options = testOptions(space.namespace);
    const executor = new KubernetesTaskExecutor(options, clients);
    const logs = new KubernetesLogAggregator(options, clients);
    const { executionId } = await executor.startTask('rbac@taskport.test', {
      command: 'echo "$GREETING from rbac"',
      image: busyboxImage(),
      env: {},
      secrets: { GREETING: 'hello' },
      labels: {},
      requestId: newRequestId(),
    });
    const final = await waitFor(
      () => executor.describeTask(executionId),
      (d) => d.status === 'SUCCEEDED' || d.status === 'FAILED',
      { timeoutMs: 45_000, what: 'the task to finish' },
    );
    expect(final.status).toBe('SUCCEEDED');
    expect((await logs.fetchLogsByExecutionId(executionId)).map((e) => e.message)).toEqual([
      'hello from rbac',
    ]);

    const running = await executor.startTask('rbac@taskport.test', {
      command: 'sleep 60',
      image: busyboxImage(),
      env: {},
      secrets: {},
      labels: {},
      requestId: newRequestId(),
    });
    await executor.killTask(running.executionId);
    const killed = await waitFor(
      () => executor.describeTask(running.executionId),
      (d) => d.status === 'STOPPED',
      { timeoutMs: 45_000, what: 'the killed task to stop' },
    );
    expect(killed.stopCode).toBe('USER_INITIATED');

    // A kill with a chosen grace deletes the pod (pods: delete); an interactive task's input goes
    // through pods/attach (create and get).
    const graceful = await executor.startTask('rbac@taskport.test', {
      command: 'sleep 60',
      image: busyboxImage(),
      env: {},
      secrets: {},
      labels: {},
      requestId: newRequestId(),
    });
    await executor.killTask(graceful.executionId, { gracePeriodSeconds: 2 });
    expect(
      (
        await waitFor(
          () => executor.describeTask(graceful.executionId),
          (d) => d.status === 'STOPPED',
          { timeoutMs: 45_000, what: 'the task killed with a grace to stop' },
        )
      ).stopCode,
    ).toBe('USER_INITIATED');
    const interactive = await executor.startTask('rbac@taskport.test', {
      command: 'cat',
      image: busyboxImage(),
      env: {},
      secrets: {},
      labels: {},
      requestId: newRequestId(),
      interactive: true,
    });
    await executor.attachStdin(
      interactive.executionId,
      (async function* () {
        yield new TextEncoder().encode('through pods/attach\n');
      })(),
    );
    await waitFor(
      () => executor.describeTask(interactive.executionId),
      (d) => d.status === 'SUCCEEDED',
      { timeoutMs: 45_000, what: 'the interactive task to read EOF and end' },
    );
    expect((await logs.fetchLogsByExecutionId(interactive.executionId)).map((e) => e.message)).toEqual([
      'through pods/attach',
    ]);

    const registry = new KubernetesImageRegistry(options, clients);
    const image = await registry.registerImage({
      image: 'ghcr.io/acme/rbac:1',
      registeredBy: 'rbac@taskport.test',
    });
    expect((await registry.getDefaultImage())?.imageId).toBe(image.imageId);
    await registry.removeImage(image.imageId);

    const store = new KubernetesExecutionStore(options, clients);
    await store.create({
      executionId,
      status: 'STARTING',
      command: 'echo',
      imageId: image.imageId,
      image: image.image,
      createdBy: 'rbac@taskport.test',
      executor: 'kubernetes',
      createdAt: new Date().toISOString(),
      exitCode: null,
      requestId: 'req-rbac',
      labels: {},
      envKeys: [],
      env: {},
    });
    await store.updateStatus(executionId, { status: 'SUCCEEDED', exitCode: 0 });
    expect((await store.list({ limit: 10 })).items.map((e) => e.status)).toEqual(['SUCCEEDED']);

    const logger = new KubernetesBackendLogger(options, clients);
    logger.log({ level: 'info', message: 'rbac line', requestId: 'req-rbac' });
    await logger.close();
    expect(logger.dropped).toBe(0);
    const lines = await new KubernetesBackendObservability(options, clients).fetchBackendLogs('req-rbac');
    expect(lines.map((line) => JSON.parse(line.message).msg)).toEqual(['rbac line']);
  });

  it('is refused what the Role does not grant, with a ForbiddenError that says what to grant', async () => {
    const clients = clientsFor(inject('apiServer'), token);
    const other = await createNamespace('tp-rbac-other');
    try {
      const store = new KubernetesExecutionStore(testOptions(other.namespace), clients);
      const error = await store.list().then(
        () => undefined,
        (e: unknown) => e as Error & { code?: string },
      );
      expect(error?.code).toBe('FORBIDDEN');
      expect(error?.message).toMatch(/^\[kubernetes\] ExecutionStore\.list: .*Grant the Role/);
    } finally {
      await other.remove();
    }
  });
});
