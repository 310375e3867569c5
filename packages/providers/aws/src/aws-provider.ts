import { JsonLinesLogger, type ProviderPackage } from '@taskport/core';
import { awsClients } from './aws-clients.js';
import { AwsImageRegistry } from './aws-image-registry.js';
import { type AwsOptions, awsOptionEnv, awsOptionsSchema } from './aws-options.js';
import { AwsTaskExecutor } from './aws-task-executor.js';
import { CloudWatchBackendObservability } from './cloudwatch-backend-observability.js';
import { CloudWatchLogAggregator } from './cloudwatch-log-aggregator.js';
import { DynamoDbExecutionStore } from './dynamodb-execution-store.js';

/**
 * The AWS provider as the composition root loads it: one plain factory per port (the SDK clients are built
 * once per options object and shared by the ports), and the backend logger (JSON lines on stderr, which the
 * platform's log collector ships to CloudWatch Logs for BackendObservability to search).
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
  backendLogger: () => new JsonLinesLogger((line) => process.stderr.write(line)),
};
