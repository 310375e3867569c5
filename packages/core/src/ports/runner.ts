import type { BackendObservability } from './backend-observability.js';
import type { ImageRegistry } from './image-registry.js';
import type { LogAggregator } from './log-aggregator.js';
import type { TaskExecutor } from './task-executor.js';

/**
 * @deprecated The original overloaded interface, kept so code written against it still compiles.
 * Depend on the port you need (TaskExecutor, ImageRegistry, LogAggregator, BackendObservability), or
 * use `runnerFromPorts` to build one from separate adapters.
 */
export type Runner = TaskExecutor & ImageRegistry & LogAggregator & BackendObservability;
