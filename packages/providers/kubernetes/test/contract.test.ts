import {
  describeBackendObservabilityContract,
  describeExecutionStoreContract,
  describeImageRegistryContract,
  describeLogAggregatorContract,
  describeTaskExecutorContract,
  realRuntimeDriver,
} from '@taskport/contract-tests';
import { afterAll, beforeAll } from 'vitest';
import {
  KubernetesBackendLogger,
  KubernetesBackendObservability,
  KubernetesExecutionStore,
  KubernetesImageRegistry,
  KubernetesLogAggregator,
  KubernetesTaskExecutor,
} from '../src/index.js';
import { busyboxImage, createNamespace, randomName, testOptions } from './support/cluster.js';

/*
 * Every contract suite against the real cluster the global setup started: kube-apiserver on etcd, the
 * real Job controller and scheduler, and a real kubelet on containerd. Tasks are real containers (the
 * busybox-static test image), so the driver has nothing to play: exit codes, kills (the kubelet's
 * SIGTERM/SIGKILL), deadlines and pod logs are the platform's own.
 *
 * Executor and log tests share one namespace per file (execution ids are unique Job names); store,
 * registry and backend tests get a fresh namespace each, since the registry must start empty.
 */

let tasksNamespace: Awaited<ReturnType<typeof createNamespace>>;
beforeAll(async () => {
  tasksNamespace = await createNamespace('tp-tasks', { serviceAccount: true });
});
afterAll(async () => {
  await tasksNamespace?.remove();
});

const unknownExecutionId = () => randomName('taskport-unknown');

describeTaskExecutorContract({
  name: 'kubernetes (real kubelet)',
  driver: realRuntimeDriver,
  waitTimeoutMs: 45_000,
  create: async () => {
    const options = testOptions(tasksNamespace.namespace);
    return {
      executor: new KubernetesTaskExecutor(options, tasksNamespace.clients),
      image: busyboxImage(),
      logs: new KubernetesLogAggregator(options, tasksNamespace.clients),
      unknownExecutionId,
      // A Secret of the namespace, named by reference; the kubelet resolves it into the environment.
      secretReference: async (value: string) => {
        const name = randomName('contract-secret');
        await tasksNamespace.clients.core.createNamespacedSecret({
          namespace: tasksNamespace.namespace,
          body: { metadata: { name }, stringData: { value } },
        });
        return `k8s-secret://${name}/value`;
      },
    };
  },
});

describeLogAggregatorContract({
  name: 'kubernetes (real kubelet)',
  driver: realRuntimeDriver,
  waitTimeoutMs: 45_000,
  create: async () => {
    const options = testOptions(tasksNamespace.namespace);
    return {
      logs: new KubernetesLogAggregator(options, tasksNamespace.clients),
      executor: new KubernetesTaskExecutor(options, tasksNamespace.clients),
      image: busyboxImage(),
      unknownExecutionId,
    };
  },
});

describeImageRegistryContract({
  name: 'kubernetes (ConfigMaps)',
  create: async () => {
    const space = await createNamespace('tp-images');
    return {
      registry: new KubernetesImageRegistry(testOptions(space.namespace), space.clients),
      cleanup: space.remove,
    };
  },
});

describeExecutionStoreContract({
  name: 'kubernetes (ConfigMaps)',
  create: async () => {
    const space = await createNamespace('tp-store');
    return {
      store: new KubernetesExecutionStore(testOptions(space.namespace), space.clients),
      cleanup: space.remove,
    };
  },
});

describeBackendObservabilityContract({
  name: 'kubernetes (Events)',
  create: async () => {
    const space = await createNamespace('tp-backend');
    const options = testOptions(space.namespace);
    const logger = new KubernetesBackendLogger(options, space.clients);
    return {
      observability: new KubernetesBackendObservability(options, space.clients),
      emit: async (entry) => {
        logger.log(entry);
        await logger.flush();
      },
      cleanup: async () => {
        await logger.close();
        await space.remove();
      },
    };
  },
});
