import {
  describeBackendObservabilityContract,
  describeExecutionStoreContract,
  describeImageRegistryContract,
} from '@taskport/contract-tests';
import {
  KubernetesBackendLogger,
  KubernetesBackendObservability,
  KubernetesExecutionStore,
  KubernetesImageRegistry,
} from '../src/index.js';
import { createNamespace, testOptions } from './support/cluster.js';

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
