import type { ProviderPackage } from '@taskport/core';
import { MemoryBackendLogger, MemoryBackendObservability } from './memory-backend-observability.js';
import { MemoryExecutionStore } from './memory-execution-store.js';
import { MemoryImageRegistry } from './memory-image-registry.js';
import { MemoryLogAggregator } from './memory-log-aggregator.js';
import { type MemoryOptions, memoryOptionEnv, memoryOptionsSchema } from './memory-options.js';
import { MemoryTaskExecutor } from './memory-task-executor.js';
import { memoryWorld } from './memory-world.js';

/**
 * The memory provider as the composition root loads it (`providers: { taskExecutor: memory }`): one plain
 * factory per port, all over the named world.
 */
export const taskportProvider: ProviderPackage<MemoryOptions> = {
  name: 'memory',
  optionsSchema: memoryOptionsSchema,
  optionEnv: memoryOptionEnv,
  factories: {
    taskExecutor: (options) => new MemoryTaskExecutor(memoryWorld(options.world)),
    imageRegistry: (options) => new MemoryImageRegistry(memoryWorld(options.world)),
    logAggregator: (options) => new MemoryLogAggregator(memoryWorld(options.world)),
    backendObservability: (options) => new MemoryBackendObservability(memoryWorld(options.world)),
    executionStore: (options) => new MemoryExecutionStore(memoryWorld(options.world)),
  },
  backendLogger: (options) => new MemoryBackendLogger(memoryWorld(options.world)),
};
