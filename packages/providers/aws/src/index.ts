export { awsClients } from './aws-clients.js';
export {
  awsCall,
  classifyAwsError,
  isThrottle,
  isTransient,
  translateAwsError,
  withAwsRetry,
} from './aws-errors.js';
export { AwsImageRegistry, IMAGES_BY_REFERENCE_INDEX } from './aws-image-registry.js';
export {
  type AwsClients,
  type AwsOptions,
  type AwsOptionsInput,
  type AwsStaticCredentials,
  accountIdOf,
  awsOptionEnv,
  awsOptionsSchema,
  parseAwsOptions,
} from './aws-options.js';
export { taskportProvider } from './aws-provider.js';
export { ensureAwsResources, executionsTableDefinition, imagesTableDefinition } from './aws-resources.js';
export { type AwsSetupItem, planAwsSetup, runAwsSetup } from './aws-setup.js';
export {
  AwsTaskExecutor,
  MAX_OVERRIDE_CHARS,
  TIMEOUT_REASON_PREFIX,
  taskIdOf,
  toTaskDescription,
} from './aws-task-executor.js';
export { CloudWatchBackendLogger, type CloudWatchBackendLoggerOptions } from './cloudwatch-backend-logger.js';
export { CloudWatchBackendObservability, filterPatternFor } from './cloudwatch-backend-observability.js';
export { CloudWatchLogAggregator } from './cloudwatch-log-aggregator.js';
export { DynamoDbExecutionStore } from './dynamodb-execution-store.js';
export { ecsRuntimePlatform, familyFor, validateFargateSize } from './ecs-task-definitions.js';
