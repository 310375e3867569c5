import { type ProviderPackage, TOKENS } from '@taskport/core';
import { ContainerModule } from 'inversify';
import { AwsImageRegistry } from './aws-image-registry.js';
import { type AwsOptions, awsClients, parseAwsOptions } from './aws-options.js';
import { AwsTaskExecutor } from './aws-task-executor.js';
import { CloudWatchBackendLogger } from './cloudwatch-backend-logger.js';
import { CloudWatchBackendObservability } from './cloudwatch-backend-observability.js';
import { CloudWatchLogAggregator } from './cloudwatch-log-aggregator.js';
import { DynamoDbExecutionStore } from './dynamodb-execution-store.js';

/**
 * The AWS provider as the composition root loads it: options parsing, one inversify ContainerModule per port
 * (each binds that port's token to a singleton built on first use), and the backend logger (batched
 * PutLogEvents into the first backend log group, where BackendObservability searches; nothing on stderr).
 */
export const taskportProvider: ProviderPackage<AwsOptions, ContainerModule> = {
  name: 'aws',
  parseOptions: parseAwsOptions,
  optionEnv: { region: 'AWS_REGION', endpoint: 'TASKPORT_AWS_ENDPOINT' },
  modules: {
    taskExecutor: (options) =>
      new ContainerModule(({ bind }) => {
        bind(TOKENS.TaskExecutor)
          .toDynamicValue(() => new AwsTaskExecutor(options, awsClients(options)))
          .inSingletonScope();
      }),
    imageRegistry: (options) =>
      new ContainerModule(({ bind }) => {
        bind(TOKENS.ImageRegistry)
          .toDynamicValue(() => new AwsImageRegistry(options, awsClients(options)))
          .inSingletonScope();
      }),
    logAggregator: (options) =>
      new ContainerModule(({ bind }) => {
        bind(TOKENS.LogAggregator)
          .toDynamicValue(() => new CloudWatchLogAggregator(options, awsClients(options)))
          .inSingletonScope();
      }),
    backendObservability: (options) =>
      new ContainerModule(({ bind }) => {
        bind(TOKENS.BackendObservability)
          .toDynamicValue(() => new CloudWatchBackendObservability(options, awsClients(options)))
          .inSingletonScope();
      }),
    executionStore: (options) =>
      new ContainerModule(({ bind }) => {
        bind(TOKENS.ExecutionStore)
          .toDynamicValue(() => new DynamoDbExecutionStore(options, awsClients(options)))
          .inSingletonScope();
      }),
  },
  backendLogger: (options) => new CloudWatchBackendLogger(options, awsClients(options)),
};
