export { type ContainerInspect, describeContainer, LABELS } from './container-state.js';
export {
  classifyEngineError,
  DEFAULT_API_VERSION,
  DEFAULT_DOCKER_HOST,
  DockerEngine,
  type DockerEngineOptions,
  type EngineAddress,
  EngineHttpError,
  type EngineRequest,
  EngineUnreachableError,
  parseDockerHost,
} from './docker-engine.js';
export { engineReference, ensureImage, type ImageInspect, inspectImage, pullImage } from './docker-images.js';
export { DockerLogAggregator, type DockerLogAggregatorOptions } from './docker-log-aggregator.js';
export {
  type DockerOptions,
  type DockerOptionsInput,
  dockerOptionEnv,
  dockerOptionsSchema,
  type PullPolicy,
  parseDockerOptions,
  type SecretsDelivery,
} from './docker-options.js';
export { taskportProvider } from './docker-provider.js';
export { type DockerClients, DockerTaskExecutor, type PruneResult } from './docker-task-executor.js';
export { LogFrameSplitter, LogLineAssembler, parseEngineTimestamp } from './log-frames.js';
export { readStopIntent, removeTaskRecords, type StopIntent } from './task-records.js';
