import type { BackendObservability } from '../ports/backend-observability.js';
import type { ImageRegistry } from '../ports/image-registry.js';
import type { LogAggregator } from '../ports/log-aggregator.js';
import type { Runner } from '../ports/runner.js';
import type { TaskExecutor } from '../ports/task-executor.js';

/**
 * @deprecated Builds the old composite `Runner` from four separate ports, for code that still takes a
 * Runner. The `provider` reported is the executor's.
 */
export function runnerFromPorts(ports: {
  taskExecutor: TaskExecutor;
  imageRegistry: ImageRegistry;
  logAggregator: LogAggregator;
  backendObservability: BackendObservability;
}): Runner {
  const { taskExecutor: t, imageRegistry: i, logAggregator: l, backendObservability: b } = ports;
  return {
    provider: t.provider,
    capabilities: t.capabilities,
    startTask: (...args) => t.startTask(...args),
    killTask: (...args) => t.killTask(...args),
    describeTask: (...args) => t.describeTask(...args),
    registerImage: (...args) => i.registerImage(...args),
    listImages: (...args) => i.listImages(...args),
    getImage: (...args) => i.getImage(...args),
    removeImage: (...args) => i.removeImage(...args),
    getDefaultImage: (...args) => i.getDefaultImage(...args),
    setDefaultImage: (...args) => i.setDefaultImage(...args),
    fetchLogsByExecutionId: (...args) => l.fetchLogsByExecutionId(...args),
    streamLogs: (...args) => l.streamLogs(...args),
    fetchBackendLogs: (...args) => b.fetchBackendLogs(...args),
  };
}
