import { AwsClientSource, awsClients } from './aws-clients.js';
import { errorName, withAwsRetry } from './aws-errors.js';
import type { AwsClients, AwsOptions } from './aws-options.js';
import { ensureAwsResources } from './aws-resources.js';

/** One resource `taskport aws setup` looks after. */
export interface AwsSetupItem {
  kind: 'dynamodb-table' | 'log-group' | 'ecs-cluster';
  name: string;
  /** What it is for, in the words of docs/providers/aws.md. */
  purpose: string;
  /** It existed before this setup looked. */
  exists: boolean;
}

/**
 * What `taskport aws setup` would create: the images and executions tables, the task and backend log
 * groups and the cluster, each with whether it exists already. Read-only (Describe* calls).
 */
export async function planAwsSetup(
  options: AwsOptions,
  given: AwsClientSource | Partial<AwsClients> = {},
): Promise<AwsSetupItem[]> {
  const clients = given instanceof AwsClientSource ? given : awsClients(options, given);
  const retry = { policy: options.retry };
  const table = async (name: string, purpose: string): Promise<AwsSetupItem> => {
    try {
      await withAwsRetry(
        () => clients.dynamodb((db, sdk) => db.send(new sdk.DescribeTableCommand({ TableName: name }))),
        retry,
      );
      return { kind: 'dynamodb-table', name, purpose, exists: true };
    } catch (error) {
      if (errorName(error) !== 'ResourceNotFoundException') throw error;
      return { kind: 'dynamodb-table', name, purpose, exists: false };
    }
  };
  const logGroup = async (name: string, purpose: string): Promise<AwsSetupItem> => {
    const { logGroups } = await withAwsRetry(
      () =>
        clients.logs((logs, sdk) =>
          logs.send(new sdk.DescribeLogGroupsCommand({ logGroupNamePrefix: name })),
        ),
      retry,
    );
    return {
      kind: 'log-group',
      name,
      purpose,
      exists: (logGroups ?? []).some((g) => g.logGroupName === name),
    };
  };
  const cluster = async (): Promise<AwsSetupItem> => {
    const { clusters } = await withAwsRetry(
      () =>
        clients.ecs((ecs, sdk) => ecs.send(new sdk.DescribeClustersCommand({ clusters: [options.cluster] }))),
      retry,
    );
    const found = (clusters ?? []).some((c) => c.status === 'ACTIVE');
    return { kind: 'ecs-cluster', name: options.cluster, purpose: 'runs the tasks (Fargate)', exists: found };
  };
  return Promise.all([
    table(options.imagesTable, 'registered images'),
    table(options.executionsTable, 'execution records'),
    logGroup(options.logGroup, "the tasks' output (awslogs)"),
    ...options.backendLogGroups.map((name) => logGroup(name, "taskport's own log lines (taskport trace)")),
    cluster(),
  ]);
}

/**
 * Creates what `planAwsSetup` found missing (idempotent: what exists is left alone) and returns the plan
 * as it was before, so the caller can say what it created.
 */
export async function runAwsSetup(
  options: AwsOptions,
  given: AwsClientSource | Partial<AwsClients> = {},
): Promise<AwsSetupItem[]> {
  const clients = given instanceof AwsClientSource ? given : awsClients(options, given);
  const plan = await planAwsSetup(options, clients);
  const missing = (kind: AwsSetupItem['kind']) => plan.some((item) => item.kind === kind && !item.exists);
  await ensureAwsResources(options, clients, {
    tables: missing('dynamodb-table'),
    logGroups: missing('log-group'),
    cluster: missing('ecs-cluster'),
  });
  return plan;
}
