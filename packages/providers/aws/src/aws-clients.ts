import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { IAMClient } from '@aws-sdk/client-iam';
import type { AwsClients, AwsOptions } from './aws-options.js';

const built = new WeakMap<AwsOptions, AwsClients>();

/**
 * The SDK clients for these options (built once per options object). Clients built here do not retry by
 * themselves (`maxAttempts: 1`): the adapters retry with their own budget, so attempts never multiply.
 */
export function awsClients(options: AwsOptions): AwsClients {
  const cached = built.get(options);
  if (cached) return cached;
  const config = {
    region: options.region,
    maxAttempts: 1,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  };
  const clients: AwsClients = {
    ecs: options.clients?.ecs ?? new ECSClient(config),
    dynamodb: options.clients?.dynamodb ?? new DynamoDBClient(config),
    iam: options.clients?.iam ?? new IAMClient(config),
    logs: options.clients?.logs ?? new CloudWatchLogsClient(config),
  };
  built.set(options, clients);
  return clients;
}
