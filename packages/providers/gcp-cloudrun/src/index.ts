export {
  CloudLoggingBackendLogger,
  type CloudLoggingBackendLoggerOptions,
  requestIdHash,
} from './cloud-logging-backend-logger.js';
export { CloudLoggingBackendObservability } from './cloud-logging-backend-observability.js';
export { CloudLoggingLogAggregator, toEvent } from './cloud-logging-log-aggregator.js';
export { CloudRunImageRegistry } from './cloud-run-image-registry.js';
export { cloudRunLimits, jobFor, jobIdFor, jobNameFor } from './cloud-run-jobs.js';
export { CloudRunTaskExecutor, START_MARKER_ENV, toTaskDescription } from './cloud-run-task-executor.js';
export {
  type ClientOptions,
  type GcpClientExtras,
  gcpClientOptions,
  gcpClients,
  LazyGcpClients,
} from './gcp-clients.js';
export { classifyGcpError, translateGcpError } from './gcp-errors.js';
export {
  type GcpClients,
  type GcpOptions,
  type GcpOptionsInput,
  gcpOptionEnv,
  gcpOptionsSchema,
  PROVIDER,
  parseGcpOptions,
} from './gcp-options.js';
export { taskportProvider } from './gcp-provider.js';
