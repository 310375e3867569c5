import { CreateLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateClusterCommand } from '@aws-sdk/client-ecs';
import { awsClients } from './aws-clients.js';
import { errorName, withAwsRetry } from './aws-errors.js';
import { IMAGES_BY_REFERENCE_INDEX } from './aws-image-registry.js';
import type { AwsClients, AwsOptions } from './aws-options.js';
import {
  EXECUTIONS_BY_CREATED_INDEX,
  EXECUTIONS_BY_IDEMPOTENCY_KEY_INDEX,
  EXECUTIONS_BY_MODIFIED_REQUEST_INDEX,
  EXECUTIONS_BY_REQUEST_INDEX,
} from './dynamodb-execution-store.js';

const keysOnly = (name: string, hash: string, range?: string) => ({
  IndexName: name,
  KeySchema: [
    { AttributeName: hash, KeyType: 'HASH' as const },
    ...(range ? [{ AttributeName: range, KeyType: 'RANGE' as const }] : []),
  ],
  Projection: { ProjectionType: 'ALL' as const },
});

/** The images table: `pk` (S) = `image#<ImageID>` or `default`; GSI `by-reference` (reference, createdAt). */
export function imagesTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'reference', AttributeType: 'S' },
      { AttributeName: 'createdAt', AttributeType: 'S' },
    ],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    GlobalSecondaryIndexes: [keysOnly(IMAGES_BY_REFERENCE_INDEX, 'reference', 'createdAt')],
  };
}

/** The executions table: `executionId` (S); GSIs for newest-first listing, idempotency keys and request ids. */
export function executionsTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'executionId', AttributeType: 'S' },
      { AttributeName: '_all', AttributeType: 'S' },
      { AttributeName: 'createdKey', AttributeType: 'S' },
      { AttributeName: 'idempotencyKey', AttributeType: 'S' },
      { AttributeName: 'requestId', AttributeType: 'S' },
      { AttributeName: 'modifiedByRequestId', AttributeType: 'S' },
    ],
    KeySchema: [{ AttributeName: 'executionId', KeyType: 'HASH' }],
    GlobalSecondaryIndexes: [
      keysOnly(EXECUTIONS_BY_CREATED_INDEX, '_all', 'createdKey'),
      keysOnly(EXECUTIONS_BY_IDEMPOTENCY_KEY_INDEX, 'idempotencyKey'),
      keysOnly(EXECUTIONS_BY_REQUEST_INDEX, 'requestId'),
      keysOnly(EXECUTIONS_BY_MODIFIED_REQUEST_INDEX, 'modifiedByRequestId'),
    ],
  };
}

/**
 * Creates what the provider needs and that does not exist yet: the two tables, the log groups and the
 * cluster. For development and tests; production deployments create them with their infrastructure tool
 * (see docs/providers/aws.md). Idempotent.
 */
export async function ensureAwsResources(
  options: AwsOptions,
  clients: AwsClients = awsClients(options),
  what: { tables?: boolean; logGroups?: boolean; cluster?: boolean } = {
    tables: true,
    logGroups: true,
    cluster: true,
  },
): Promise<void> {
  const ignoreExisting = (names: string[]) => (error: unknown) => {
    if (!names.includes(errorName(error) ?? '')) throw error;
  };
  const tasks: Promise<unknown>[] = [];
  if (what.tables) {
    for (const definition of [
      imagesTableDefinition(options.imagesTable),
      executionsTableDefinition(options.executionsTable),
    ]) {
      tasks.push(
        withAwsRetry(() => clients.dynamodb.send(new CreateTableCommand(definition)), {
          policy: options.retry,
        })
          .catch(ignoreExisting(['ResourceInUseException']))
          .then(() => waitForTable(clients, definition.TableName!)),
      );
    }
  }
  if (what.logGroups) {
    for (const logGroupName of [options.logGroup, ...options.backendLogGroups]) {
      tasks.push(
        withAwsRetry(() => clients.logs.send(new CreateLogGroupCommand({ logGroupName })), {
          policy: options.retry,
        }).catch(ignoreExisting(['ResourceAlreadyExistsException'])),
      );
    }
  }
  if (what.cluster) {
    tasks.push(
      withAwsRetry(() => clients.ecs.send(new CreateClusterCommand({ clusterName: options.cluster })), {
        policy: options.retry,
      }),
    );
  }
  await Promise.all(tasks);
}

async function waitForTable(clients: AwsClients, TableName: string): Promise<void> {
  for (let attempt = 0; attempt < 120; attempt++) {
    const { Table } = await clients.dynamodb.send(new DescribeTableCommand({ TableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`DynamoDB table ${TableName} did not become ACTIVE`);
}
