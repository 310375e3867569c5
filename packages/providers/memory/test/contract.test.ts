import {
  describeBackendObservabilityContract,
  describeExecutionStoreContract,
  describeImageRegistryContract,
  describeLogAggregatorContract,
  describeTaskExecutorContract,
} from '@taskport/contract-tests';
import { canonicalImageConfig, toImageInfo } from '@taskport/core';
import {
  MemoryBackendLogger,
  MemoryBackendObservability,
  MemoryExecutionStore,
  MemoryImageRegistry,
  MemoryLogAggregator,
  MemoryTaskExecutor,
  MemoryWorld,
} from '../src/index.js';
import { memoryDriver } from './memory-driver.js';

// Every test gets a fresh world; the one world of the executor and log fixtures is shared with the driver
// through this variable, which `create` sets before the test body runs.
let world = new MemoryWorld();
const driver = {
  play: (id: string, behaviour: Parameters<ReturnType<typeof memoryDriver>['play']>[1]) =>
    memoryDriver(world).play(id, behaviour),
  forget: (id: string) => memoryDriver(world).forget(id),
};

function runtimeFixture() {
  world = new MemoryWorld();
  const executor = new MemoryTaskExecutor(world);
  const image = toImageInfo(
    canonicalImageConfig({ image: 'alpine:3.20', registeredBy: 'contract@taskport.test' }),
  );
  const fixtureWorld = world;
  return {
    executor,
    image,
    logs: new MemoryLogAggregator(world),
    secretReference: async (value: string) => fixtureWorld.storeSecret(value),
    providerCalls: () => fixtureWorld.totalCalls(),
    cleanup: async () => executor.close(),
  };
}

describeTaskExecutorContract({
  name: 'memory',
  driver,
  create: async () => runtimeFixture(),
  disable: {
    'killTask with a grace period lets a task that handles SIGTERM run until the grace ends, then kills it':
      'the memory platform ends a killed task at once (capabilities.stopGracePeriod = false); the refusal of a grace period is tested',
  },
});

describeLogAggregatorContract({ name: 'memory', driver, create: async () => runtimeFixture() });

describeImageRegistryContract({
  name: 'memory',
  create: async () => {
    const fresh = new MemoryWorld();
    return { registry: new MemoryImageRegistry(fresh), providerCalls: () => fresh.totalCalls() };
  },
});

describeExecutionStoreContract({
  name: 'memory',
  create: async () => {
    const fresh = new MemoryWorld();
    return { store: new MemoryExecutionStore(fresh), providerCalls: () => fresh.totalCalls() };
  },
});

describeBackendObservabilityContract({
  name: 'memory',
  create: async () => {
    const fresh = new MemoryWorld();
    const logger = new MemoryBackendLogger(fresh);
    return {
      observability: new MemoryBackendObservability(fresh),
      emit: async (entry) => logger.log(entry),
      providerCalls: () => fresh.totalCalls(),
    };
  },
});
