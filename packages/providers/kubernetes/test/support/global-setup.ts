import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    kubeconfig: string;
    clusterBin: string;
    /** The harness's directory (keys under pki/). */
    clusterDir: string;
    /** `https://127.0.0.1:<port>` of kube-apiserver. */
    apiServer: string;
  }
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../..');
const CLUSTER = join(ROOT, 'tooling/kubernetes/cluster.sh');

/**
 * Starts the test cluster (control plane + containerd + a real kubelet + a kwok node) for the whole run and stops it
 * afterwards by pid. cluster.sh builds the binaries first when they are not cached yet (several minutes,
 * once per machine), installs the Debian packages the node needs when missing, and stops what it started
 * if the start fails; its watchdog also stops the cluster if this process dies without tearing down.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = mkdtempSync(join(tmpdir(), 'taskport-k8s-'));
  const args = [CLUSTER, 'start', dir, '--kubelet', '--kwok', '--owner', String(process.pid)];
  const started = spawnSync('bash', args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 45 * 60_000,
  });
  if (started.status !== 0) {
    throw new Error(
      `[kubernetes tests] ${CLUSTER} start failed (exit ${started.status ?? started.signal}); see its output above. It needs root, Go >= 1.26 (to build Kubernetes once) and Debian's containerd, runc, containernetworking-plugins and busybox-static (installed with apt-get when missing).`,
    );
  }
  const env = Object.fromEntries(
    readFileSync(join(dir, 'cluster.env'), 'utf8')
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  project.provide('kubeconfig', env.KUBECONFIG!);
  project.provide('clusterBin', env.TASKPORT_K8S_BIN!);
  project.provide('clusterDir', dir);
  project.provide('apiServer', env.TASKPORT_K8S_API!);
  return async () => {
    spawnSync('bash', [CLUSTER, 'stop', dir], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 120_000 });
  };
}
