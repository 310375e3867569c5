import { join } from 'node:path';
import { newRequestId } from '@taskport/core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KubernetesLogAggregator, KubernetesTaskExecutor, LABELS } from '../src/index.js';
import { busyboxImage, clientsFor, createNamespace, testOptions } from './support/cluster.js';
import { type Fault, FaultProxy } from './support/fault-proxy.js';

/*
 * The API server misbehaving as it does under load, through a TLS proxy in front of the real one:
 * creates whose answer is lost after the Job was made (503), throttles (429 with Retry-After), failing
 * reads, and a log stream cut mid-way. A start must still make exactly one Job, and a follow must
 * resume without a gap or a repeat.
 */

let space: Awaited<ReturnType<typeof createNamespace>>;
beforeAll(async () => {
  space = await createNamespace('tp-fault', { serviceAccount: true });
});
afterAll(async () => {
  await space?.remove();
});

function proxy(decide: (method: string, path: string) => Fault) {
  const pki = join(inject('clusterDir'), 'pki');
  return new FaultProxy({
    upstream: inject('apiServer'),
    caFile: join(pki, 'ca.crt'),
    certFile: join(pki, 'apiserver.crt'),
    keyFile: join(pki, 'apiserver.key'),
    decide,
  });
}

describe('kubernetes under API faults', () => {
  it('every start yields exactly one Job when creates are lost (503) and throttled (429)', async () => {
    let creates = 0;
    let readCount = 0;
    const faults = proxy((method, path) => {
      if (method === 'POST' && path.includes('/jobs')) {
        // Per start: the first create reaches the server but its answer is lost, the second is
        // throttled, the third meets the Job the first one made.
        const attempt = creates++ % 3;
        if (attempt === 0) return { kind: 'lose' };
        if (attempt === 1) return { kind: 'reject', status: 429, retryAfterSeconds: 1 };
      }
      if (method === 'GET' && path.includes('/jobs/') && readCount++ % 3 === 0)
        return { kind: 'reject', status: 503 };
      return { kind: 'pass' };
    });
    const server = await faults.start();
    try {
      const clients = clientsFor(server);
      const executor = new KubernetesTaskExecutor(testOptions(space.namespace), clients);
      const starts = 4;
      const ids: string[] = [];
      for (let i = 0; i < starts; i++) {
        const { executionId } = await executor.startTask('fault@taskport.test', {
          command: 'exit 0',
          image: busyboxImage(),
          env: {},
          secrets: i % 2 === 0 ? { TOKEN: `s-${i}` } : {},
          labels: {},
          requestId: newRequestId(),
        });
        ids.push(executionId);
        expect((await executor.describeTask(executionId)).status).toBeDefined();
      }
      const jobs = await space.clients.batch.listNamespacedJob({ namespace: space.namespace });
      const names = jobs.items.map((job) => job.metadata!.name!).sort();
      expect(names).toEqual([...ids].sort());
      const lost = faults.seen.filter((request) => request.fault === 'lose').length;
      expect(lost, 'creates whose answer was lost').toBeGreaterThanOrEqual(starts);
      expect(faults.seen.filter((request) => request.fault === 'reject').length).toBeGreaterThan(0);
    } finally {
      await faults.stop();
    }
  });

  it('a followed log stream cut mid-way resumes without a gap or a repeat', async () => {
    const executor = new KubernetesTaskExecutor(testOptions(space.namespace), space.clients);
    let cuts = 0;
    const faults = proxy((method, path) => {
      if (method === 'GET' && path.includes('/log?') && path.includes('follow=true') && cuts < 2) {
        cuts++;
        return { kind: 'cut', afterBytes: 200 };
      }
      return { kind: 'pass' };
    });
    const server = await faults.start();
    try {
      const logs = new KubernetesLogAggregator(testOptions(space.namespace), clientsFor(server));
      const lines = Array.from({ length: 30 }, (_, n) => `line ${n}`);
      const { executionId } = await executor.startTask('fault@taskport.test', {
        command: lines.map((line) => `echo '${line}'; sleep 0.1`).join('; '),
        image: busyboxImage(),
        env: {},
        secrets: {},
        labels: {},
        requestId: newRequestId(),
      });
      const seen: string[] = [];
      for await (const event of logs.streamLogs(executionId, {
        follow: true,
        pollIntervalMs: 100,
        signal: AbortSignal.timeout(60_000),
      })) {
        seen.push(event.message);
      }
      expect(cuts).toBe(2);
      expect(seen).toEqual(lines);
      // The pod's own job-name label is what the reader selects on.
      const pods = await space.clients.core.listNamespacedPod({
        namespace: space.namespace,
        labelSelector: `${LABELS.jobName}=${executionId}`,
      });
      expect(pods.items).toHaveLength(1);
    } finally {
      await faults.stop();
    }
  });
});
