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
import {
  busyboxImage,
  countingClients,
  createNamespace,
  randomName,
  testOptions,
} from './support/cluster.js';

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

/**
 * The platform forgetting a task, as it does after jobRetentionSeconds: the Job is deleted (its pod with
 * it, stopping what still runs).
 */
const driver = {
  ...realRuntimeDriver,
  forget: async (executionId: string) => {
    await tasksNamespace.clients.batch.deleteNamespacedJob({
      name: executionId,
      namespace: tasksNamespace.namespace,
      propagationPolicy: 'Background',
    });
  },
};

describeTaskExecutorContract({
  name: 'kubernetes (real kubelet)',
  driver,
  // Container startedAt/finishedAt come from the kubelet in whole seconds.
  timestampPrecisionMs: 1000,
  disable: {
    'killTask with gracePeriodSeconds 0 sends SIGKILL at once, or is a ValidationError where the executor cannot choose it':
      'no Kubernetes API sends SIGKILL at once: the kubelet gives every container at least 2 s after SIGTERM, also for a pod deleted with grace 0 or 1, so the executor refuses a grace below 2 s (test/stop-and-stdin.test.ts checks the refusal, the 2 s minimum and a chosen grace above the pod default)',
  },
  waitTimeoutMs: 45_000,
  create: async () => {
    const options = testOptions(tasksNamespace.namespace);
    const { clients, calls } = countingClients();
    return {
      executor: new KubernetesTaskExecutor(options, clients),
      image: busyboxImage(),
      logs: new KubernetesLogAggregator(options, clients),
      unknownExecutionId,
      providerCalls: calls,
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
  driver,
  waitTimeoutMs: 45_000,
  create: async () => {
    const options = testOptions(tasksNamespace.namespace);
    const { clients, calls } = countingClients();
    return {
      logs: new KubernetesLogAggregator(options, clients),
      executor: new KubernetesTaskExecutor(options, clients),
      image: busyboxImage(),
      unknownExecutionId,
      providerCalls: calls,
    };
  },
});

describeImageRegistryContract({
  name: 'kubernetes (ConfigMaps)',
  create: async () => {
    const space = await createNamespace('tp-images');
    const { clients, calls } = countingClients();
    return {
      registry: new KubernetesImageRegistry(testOptions(space.namespace), clients),
      providerCalls: calls,
      cleanup: space.remove,
    };
  },
});

describeExecutionStoreContract({
  name: 'kubernetes (ConfigMaps)',
  create: async () => {
    const space = await createNamespace('tp-store');
    const { clients, calls } = countingClients();
    return {
      store: new KubernetesExecutionStore(testOptions(space.namespace), clients),
      providerCalls: calls,
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
    const { clients, calls } = countingClients();
    return {
      observability: new KubernetesBackendObservability(options, clients),
      providerCalls: calls,
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
