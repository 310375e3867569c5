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
export { classifyGcpError, translateGcpError } from './gcp-errors.js';
export {
  GCP_OPTION_ENV,
  type GcpClientExtras,
  type GcpClients,
  type GcpOptions,
  type GcpOptionsInput,
  gcpClientOptions,
  gcpClients,
  gcpOptionsSchema,
  LazyGcpClients,
  PROVIDER,
  parseGcpOptions,
} from './gcp-options.js';
