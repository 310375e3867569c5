// Domain
export { durationTextSeconds } from './domain/duration-text.js';
export type { Execution, ExecutionStatusUpdate } from './domain/execution.js';
export { type ExecutionJson, executionJson } from './domain/execution-json.js';
export {
  applyStatusUpdate,
  checkListQuery,
  checkNewExecution,
  checkStatusUpdate,
  DEFAULT_LIST_LIMIT,
  MAX_LIST_LIMIT,
} from './domain/execution-record-rules.js';
export {
  commandArgv,
  displayCommand,
  type ExecutionRequest,
  type NormalisedExecutionRequest,
} from './domain/execution-request.js';
export {
  ALL_EXECUTION_STATUSES,
  canTransition,
  ExecutionStatus,
  FINAL_EXECUTION_STATUSES,
  isExecutionStatus,
  isFinalStatus,
  statusesThatMayBecome,
} from './domain/execution-status.js';
export { HOST_IMAGE_ID, hostImage } from './domain/host-image.js';
export {
  type CanonicalImageConfig,
  type CanonicalizeOptions,
  canonicalImageConfig,
  computeImageId,
  DEFAULT_CPU,
  DEFAULT_MEMORY,
  fromLegacyParams,
  type ImageConfig,
  type LegacyImageParams,
  type LegacySections,
  looksLikeImageId,
  type PermissionConfig,
  type ResourceConfig,
  type RuntimeConfig,
  sameImageConfig,
  toLegacyParams,
} from './domain/image-config.js';
export { type ImageInfo, type ImageInfoExtras, toImageInfo } from './domain/image-info.js';
export { type ImageJson, imageJson } from './domain/image-json.js';
export { matchImages, preferImages } from './domain/image-lookup.js';
export { type ImageReference, parseImageReference } from './domain/image-reference.js';
export {
  compareLogEvents,
  type LogEvent,
  type LogStream,
  logEventBytes,
  makeEventId,
} from './domain/log-event.js';
export { type LogEventJson, logEventFromJson, logEventJson } from './domain/log-event-json.js';
export { canonicalPlatform, DEFAULT_PLATFORM, PLATFORMS, type Platform } from './domain/platform.js';
export {
  executionRequestFingerprint,
  type FingerprintParts,
  type IdempotentStart,
  requestFingerprint,
  startIdempotencyToken,
} from './domain/request-fingerprint.js';
export { appliesAutomatically, DEFAULT_RETENTION, parseRetention } from './domain/retention.js';
export {
  MAX_GRACE_PERIOD_SECONDS,
  parseStopSignal,
  STOP_SIGNALS,
  type StopOptions,
  type StopSignal,
  validateStopOptions,
} from './domain/stop-options.js';
export type { StopCode, TaskDescription } from './domain/task-description.js';
export { MAX_TIMEOUT_SECONDS, validateExecutionRequest } from './domain/validate-execution-request.js';
export { validateTaskStartRequest } from './domain/validate-task-start-request.js';
export {
  ConfigurationError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ProviderError,
  TaskportError,
  type TaskportErrorCode,
  type TaskportErrorOptions,
  UnauthorizedError,
  UnavailableError,
  UnsupportedOperationError,
  ValidationError,
} from './errors/taskport-error.js';
// Service, logging, tokens
export { JsonLinesLogger, nullLogger, teeLogger } from './logging/json-lines-logger.js';
export { nodeCrypto, sha256Hex } from './platform/node-crypto.js';
// Ports
export type { BackendLogEntry, BackendLogger } from './ports/backend-logger.js';
export type { BackendObservability } from './ports/backend-observability.js';
export type { ExecutionPage, ExecutionStore, ListExecutionsQuery } from './ports/execution-store.js';
export type { GetImageOptions, ImageRegistry, RegisterImageOptions } from './ports/image-registry.js';
export type { LogAggregator, StreamLogsOptions } from './ports/log-aggregator.js';
export type { OperationOptions } from './ports/operation-options.js';
export {
  type Closeable,
  isCloseable,
  type OptionsSchema,
  PORT_NAMES,
  type PortFactories,
  type PortFactory,
  type PortName,
  type PortTypes,
  type ProviderDependencies,
  type ProviderPackage,
} from './ports/provider-package.js';
export type { Runner } from './ports/runner.js';
export type {
  KillTaskOptions,
  TaskExecutor,
  TaskExecutorCapabilities,
  TaskStartRequest,
  TaskStartResult,
} from './ports/task-executor.js';
export { checkStartCapabilities, checkStopCapabilities } from './service/executor-capabilities.js';
export { foreignExecutorError, foreignExecutorMessage } from './service/foreign-executor.js';
export {
  type KillResult,
  type OrchestratorPorts,
  OrchestratorService,
  type OrchestratorServiceOptions,
  type PruneResult,
  type ReconcileResult,
  type RemoveResult,
  type RequestContext,
  type RunResult,
  type TraceResult,
} from './service/orchestrator-service.js';
export { isValidRequestId, newRequestId } from './service/request-id.js';
export { runnerFromPorts } from './service/runner-from-ports.js';
export { TOKENS, type Token } from './tokens.js';
