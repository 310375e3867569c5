export { MemoryBackendLogger, MemoryBackendObservability } from './memory-backend-observability.js';
export { MemoryExecutionStore } from './memory-execution-store.js';
export { MemoryImageRegistry } from './memory-image-registry.js';
export { MemoryLogAggregator } from './memory-log-aggregator.js';
export { type MemoryOptions, memoryOptionEnv, memoryOptionsSchema } from './memory-options.js';
export { taskportProvider } from './memory-provider.js';
export { MemoryTaskExecutor } from './memory-task-executor.js';
export { dropMemoryWorld, type MemoryTask, MemoryWorld, memoryWorld } from './memory-world.js';
