import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { BatchV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { canonicalImageConfig, type ImageInfo, toImageInfo } from '@taskport/core';
import { inject } from 'vitest';
import {
  type KubernetesClients,
  type KubernetesOptions,
  type KubernetesOptionsInput,
  kubernetesClients,
  parseKubernetesOptions,
} from '../../src/index.js';

/** The image the test node has (built from busybox-static and imported by tooling/kubernetes/cluster.sh). */
export const BUSYBOX = 'taskport.test/busybox:1';

export function busyboxImage(extra: { taskRole?: string } = {}): ImageInfo {
  return toImageInfo(
    canonicalImageConfig({
      image: BUSYBOX,
      resources: { cpu: 128, memory: 64 },
      registeredBy: 'tests@taskport.test',
      ...(extra.taskRole ? { permissions: { taskRole: extra.taskRole } } : {}),
    }),
  );
}

export function randomName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** Options for the test cluster: the kubeconfig the harness wrote, short grace periods so kills are quick. */
export function testOptions(namespace: string, extra: KubernetesOptionsInput = {}): KubernetesOptions {
  return parseKubernetesOptions(
    {
      kubeconfig: inject('kubeconfig'),
      namespace,
      terminationGracePeriodSeconds: 1,
      jobRetentionSeconds: 600,
      retry: { budgetMs: 10_000 },
      ...extra,
    },
    {},
  );
}

export function adminClients(): KubernetesClients {
  return kubernetesClients({ kubeconfig: inject('kubeconfig'), inCluster: false });
}

/** A new namespace (and, with `serviceAccount`, a wait for its `default` ServiceAccount, which pods need). */
export async function createNamespace(prefix: string, options: { serviceAccount?: boolean } = {}) {
  const clients = adminClients();
  const namespace = randomName(prefix);
  await clients.core.createNamespace({
    body: { metadata: { name: namespace, labels: { 'taskport.dev/test': 'true' } } },
  });
  if (options.serviceAccount) {
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        await clients.core.readNamespacedServiceAccount({ name: 'default', namespace });
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }
  return {
    namespace,
    clients,
    /** Deletes the namespace and everything in it (the namespace controller finishes in the background). */
    remove: async () => {
      await clients.core.deleteNamespace({ name: namespace }).catch(() => {});
    },
  };
}

/** Clients that reach the API server at `server` (a proxy in front of it) with the admin token, or `token`. */
export function clientsFor(server: string, token?: string): KubernetesClients {
  const admin = adminClients().kubeConfig;
  const config = new KubeConfig();
  config.loadFromClusterAndUser(
    { name: 'proxied', server, caFile: join(inject('clusterDir'), 'pki/ca.crt'), skipTLSVerify: false },
    { name: 'user', token: token ?? admin.getCurrentUser()!.token! },
  );
  return {
    kubeConfig: config,
    batch: config.makeApiClient(BatchV1Api),
    core: config.makeApiClient(CoreV1Api),
  };
}

/**
 * Admin clients that count every request they send to the API server (generated-client calls and the
 * pod-log streams), for the contract tests that an aborted signal makes no provider call.
 */
export function countingClients(): { clients: KubernetesClients; calls: () => number } {
  let calls = 0;
  const config = new KubeConfig();
  config.loadFromFile(inject('kubeconfig'));
  const target = config as unknown as {
    applySecurityAuthentication: (...args: unknown[]) => Promise<void>;
    applyToHTTPSOptions: (...args: unknown[]) => Promise<void>;
  };
  const perRequest = target.applySecurityAuthentication.bind(config);
  const perLogStream = target.applyToHTTPSOptions.bind(config);
  target.applySecurityAuthentication = (...args) => {
    calls++;
    return perRequest(...args);
  };
  target.applyToHTTPSOptions = (...args) => {
    calls++;
    return perLogStream(...args);
  };
  return {
    clients: {
      kubeConfig: config,
      batch: config.makeApiClient(BatchV1Api),
      core: config.makeApiClient(CoreV1Api),
    },
    calls: () => calls,
  };
}
