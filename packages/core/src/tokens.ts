import type { BackendLogger } from './ports/backend-logger.js';
import type { BackendObservability } from './ports/backend-observability.js';
import type { ExecutionStore } from './ports/execution-store.js';
import type { ImageRegistry } from './ports/image-registry.js';
import type { LogAggregator } from './ports/log-aggregator.js';
import type { TaskExecutor } from './ports/task-executor.js';
import type { OrchestratorService } from './service/orchestrator-service.js';

/**
 * A typed dependency-injection token. It is a plain `Symbol.for` symbol (so it is a valid inversify
 * ServiceIdentifier and survives duplicated package copies); the phantom type says what it resolves to.
 */
export type Token<T> = symbol & { readonly __resolvesTo?: T };

function token<T>(name: string): Token<T> {
  return Symbol.for(`taskport.${name}`) as Token<T>;
}

export const TOKENS = {
  TaskExecutor: token<TaskExecutor>('TaskExecutor'),
  ImageRegistry: token<ImageRegistry>('ImageRegistry'),
  LogAggregator: token<LogAggregator>('LogAggregator'),
  BackendObservability: token<BackendObservability>('BackendObservability'),
  ExecutionStore: token<ExecutionStore>('ExecutionStore'),
  BackendLogger: token<BackendLogger>('BackendLogger'),
  OrchestratorService: token<OrchestratorService>('OrchestratorService'),
} as const;
