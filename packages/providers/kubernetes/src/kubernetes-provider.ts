import type { ProviderPackage } from '@taskport/core';
import { KubernetesBackendLogger } from './kubernetes-backend-logger.js';
import { KubernetesBackendObservability } from './kubernetes-backend-observability.js';
import { kubernetesClients, resolveKubernetesOptions } from './kubernetes-clients.js';
import { KubernetesExecutionStore } from './kubernetes-execution-store.js';
import { KubernetesImageRegistry } from './kubernetes-image-registry.js';
import { KubernetesLogAggregator } from './kubernetes-log-aggregator.js';
import {
  type KubernetesOptionSection,
  kubernetesOptionEnv,
  kubernetesOptionsSchema,
} from './kubernetes-options.js';
import { KubernetesTaskExecutor } from './kubernetes-task-executor.js';

/** Resolved options and their clients, built once per section and shared by the ports (no connection yet). */
function resolve(section: KubernetesOptionSection) {
  const options = resolveKubernetesOptions(section);
  return [options, kubernetesClients(options)] as const;
}

/** The Kubernetes provider as the composition root loads it (`providers: { taskExecutor: kubernetes }`). */
export const taskportProvider: ProviderPackage<KubernetesOptionSection> = {
  name: 'kubernetes',
  optionsSchema: kubernetesOptionsSchema as ProviderPackage<KubernetesOptionSection>['optionsSchema'],
  optionEnv: kubernetesOptionEnv,
  factories: {
    taskExecutor: (options) => new KubernetesTaskExecutor(...resolve(options)),
    logAggregator: (options) => new KubernetesLogAggregator(...resolve(options)),
    imageRegistry: (options) => new KubernetesImageRegistry(...resolve(options)),
    executionStore: (options) => new KubernetesExecutionStore(...resolve(options)),
    backendObservability: (options) => new KubernetesBackendObservability(...resolve(options)),
  },
  backendLogger: (options) => new KubernetesBackendLogger(...resolve(options)),
};
