import type { ProviderPackage } from '@taskport/core';
import { awsClients } from './aws-clients.js';
import { AwsImageRegistry } from './aws-image-registry.js';
import { type AwsOptions, awsOptionEnv, awsOptionsSchema } from './aws-options.js';
import { AwsTaskExecutor } from './aws-task-executor.js';
import { CloudWatchBackendLogger } from './cloudwatch-backend-logger.js';
import { CloudWatchBackendObservability } from './cloudwatch-backend-observability.js';
import { CloudWatchLogAggregator } from './cloudwatch-log-aggregator.js';
import { DynamoDbExecutionStore } from './dynamodb-execution-store.js';

/**
 * The AWS provider as the composition root loads it: one plain factory per port (the SDK clients are built,
 * and their SDK modules imported, on first use, once per options object, and shared by the ports), and the
 * backend logger: batched PutLogEvents into the first backend log group, where BackendObservability
 * searches (nothing on the terminal; closed on shutdown).
 */
export const taskportProvider: ProviderPackage<AwsOptions> = {
  name: 'aws',
  optionsSchema: awsOptionsSchema as ProviderPackage<AwsOptions>['optionsSchema'],
  optionEnv: awsOptionEnv,
  factories: {
    taskExecutor: (options) => new AwsTaskExecutor(options, awsClients(options)),
    imageRegistry: (options) => new AwsImageRegistry(options, awsClients(options)),
    logAggregator: (options) => new CloudWatchLogAggregator(options, awsClients(options)),
    backendObservability: (options) => new CloudWatchBackendObservability(options, awsClients(options)),
    executionStore: (options) => new DynamoDbExecutionStore(options, awsClients(options)),
  },
  backendLogger: (options) => new CloudWatchBackendLogger(options, awsClients(options)),
};
