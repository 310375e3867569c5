// Benchmarks of the Kubernetes provider against a real cluster started here (tooling/kubernetes/cluster.sh,
// control plane + containerd + a real kubelet on loopback):
// - API calls per warm startTask (counted by a pass-through TLS proxy in front of kube-apiserver);
// - time from startTask to RUNNING, and to the first describe that reads SUCCEEDED, on the real kubelet;
// - a 100,000-line pod log through streamLogs (follow), with heap and RSS peaks.
// Usage: pnpm --filter @taskport/kubernetes build && pnpm --filter @taskport/kubernetes bench
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, request } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BatchV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { canonicalImageConfig, newRequestId, toImageInfo } from '@taskport/core';
import {
  KubernetesLogAggregator,
  KubernetesTaskExecutor,
  kubernetesClients,
  parseKubernetesOptions,
} from '../dist/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const CLUSTER = join(ROOT, 'tooling/kubernetes/cluster.sh');
const STARTS = Number(process.env.BENCH_STARTS ?? 20);
const LINES = Number(process.env.BENCH_LOG_LINES ?? 100_000);

const dir = mkdtempSync(join(tmpdir(), 'taskport-k8s-bench-'));
const t0 = Date.now();
const started = spawnSync('bash', [CLUSTER, 'start', dir, '--kubelet', '--owner', String(process.pid)], {
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
});
if (started.status !== 0) throw new Error(`cluster start failed (exit ${started.status})`);
const clusterStartMs = Date.now() - t0;
const env = Object.fromEntries(
  readFileSync(join(dir, 'cluster.env'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('='))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
);

/** A TLS pass-through proxy that counts requests by method and path shape. */
function countingProxy() {
  const counts = [];
  const upstream = new URL(env.TASKPORT_K8S_API);
  const ca = readFileSync(join(dir, 'pki/ca.crt'));
  const server = createServer(
    { cert: readFileSync(join(dir, 'pki/apiserver.crt')), key: readFileSync(join(dir, 'pki/apiserver.key')) },
    (incoming, outgoing) => {
      counts.push(
        `${incoming.method} ${(incoming.url ?? '').split('?')[0].replace(/\/namespaces\/[^/]+/, '/namespaces/NS')}`,
      );
      const forward = request(
        {
          hostname: upstream.hostname,
          port: upstream.port,
          path: incoming.url,
          method: incoming.method,
          headers: incoming.headers,
          ca,
        },
        (answer) => {
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(outgoing);
        },
      );
      incoming.pipe(forward);
    },
  );
  return new Promise((done) =>
    server.listen(0, '127.0.0.1', () =>
      done({ server, counts, url: `https://127.0.0.1:${server.address().port}` }),
    ),
  );
}

const admin = kubernetesClients({ kubeconfig: env.KUBECONFIG, inCluster: false });
const namespace = `bench-${Date.now().toString(36)}`;
const results = {};
try {
  await admin.core.createNamespace({ body: { metadata: { name: namespace } } });
  for (;;) {
    try {
      await admin.core.readNamespacedServiceAccount({ name: 'default', namespace });
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const options = parseKubernetesOptions(
    { kubeconfig: env.KUBECONFIG, namespace, terminationGracePeriodSeconds: 1, jobRetentionSeconds: 300 },
    {},
  );
  const image = toImageInfo(
    canonicalImageConfig({
      image: 'taskport.test/busybox:1',
      resources: { cpu: 128, memory: 64 },
      registeredBy: 'bench',
    }),
  );
  const proxy = await countingProxy();
  const config = new KubeConfig();
  config.loadFromClusterAndUser(
    { name: 'bench', server: proxy.url, caFile: join(dir, 'pki/ca.crt') },
    { name: 'admin', token: admin.kubeConfig.getCurrentUser().token },
  );
  const counted = {
    kubeConfig: config,
    batch: config.makeApiClient(BatchV1Api),
    core: config.makeApiClient(CoreV1Api),
  };
  const executor = new KubernetesTaskExecutor(options, counted);
  const plain = new KubernetesTaskExecutor(options, admin);
  const request = (command, extra = {}) => ({
    command,
    image,
    env: {},
    secrets: {},
    labels: {},
    requestId: newRequestId(),
    ...extra,
  });

  // Warm-up (connection, first Job), then counted starts.
  await executor.startTask('bench@taskport.test', request('true'));
  const perStart = [];
  for (let i = 0; i < 10; i++) {
    const before = proxy.counts.length;
    await executor.startTask('bench@taskport.test', request('true'));
    perStart.push(proxy.counts.slice(before));
  }
  const withSecrets = [];
  for (let i = 0; i < 5; i++) {
    const before = proxy.counts.length;
    await executor.startTask('bench@taskport.test', request('true', { secrets: { TOKEN: `t${i}` } }));
    withSecrets.push(proxy.counts.slice(before));
  }
  results.apiCallsPerWarmStart = [...new Set(perStart.map((calls) => calls.length))];
  results.callsOfAStart = perStart[0];
  results.apiCallsPerStartWithSecrets = [...new Set(withSecrets.map((calls) => calls.length))];
  results.callsOfAStartWithSecrets = withSecrets[0];
  proxy.server.close();

  // run -> RUNNING and run -> SUCCEEDED on the real kubelet, polling describeTask every 50 ms.
  const toRunning = [];
  const toDone = [];
  for (let i = 0; i < STARTS; i++) {
    const t = performance.now();
    const { executionId } = await plain.startTask('bench@taskport.test', request('sleep 1'));
    let seenRunning = false;
    for (;;) {
      const { status } = await plain.describeTask(executionId);
      if (!seenRunning && status === 'RUNNING') {
        toRunning.push(performance.now() - t);
        seenRunning = true;
      }
      if (status === 'SUCCEEDED' || status === 'FAILED') {
        toDone.push(performance.now() - t);
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  results.startToRunningMs = {
    median: Math.round(median(toRunning)),
    min: Math.round(Math.min(...toRunning)),
    max: Math.round(Math.max(...toRunning)),
    n: toRunning.length,
  };
  results.startToSucceededMs = {
    median: Math.round(median(toDone)),
    n: toDone.length,
    note: 'the task sleeps 1 s',
  };

  // A pod printing LINES lines, followed to its end.
  const logs = new KubernetesLogAggregator(options, admin);
  const { executionId } = await plain.startTask(
    'bench@taskport.test',
    request(`seq 1 ${LINES} | sed 's/^/line of a long log number /'`),
  );
  globalThis.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const rssBefore = process.memoryUsage().rss;
  let heapPeak = heapBefore;
  let rssPeak = rssBefore;
  let count = 0;
  const tLogs = performance.now();
  for await (const _event of logs.streamLogs(executionId, { follow: true, pollIntervalMs: 100 })) {
    if (++count % 5000 === 0) {
      const usage = process.memoryUsage();
      heapPeak = Math.max(heapPeak, usage.heapUsed);
      rssPeak = Math.max(rssPeak, usage.rss);
    }
  }
  const mib = (b) => Math.round(b / 1048576);
  results.followLogLines = {
    lines: count,
    seconds: Number(((performance.now() - tLogs) / 1000).toFixed(2)),
    heapMiB: `${mib(heapBefore)} -> peak ${mib(heapPeak)}`,
    rssMiB: `${mib(rssBefore)} -> peak ${mib(rssPeak)}`,
  };
  results.clusterStartMs = {
    harnessReported: Number(env.TASKPORT_K8S_START_MS),
    wallIncludingBinaryCheck: clusterStartMs,
  };
  console.log(JSON.stringify(results, null, 2));
} finally {
  await admin.core.deleteNamespace({ name: namespace }).catch(() => {});
  spawnSync('bash', [CLUSTER, 'stop', dir], { stdio: 'inherit' });
}
