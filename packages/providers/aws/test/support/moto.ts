import { randomBytes } from 'node:crypto';
import {
  CloudWatchLogsClient,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeSecurityGroupsCommand, DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  type Task,
} from '@aws-sdk/client-ecs';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  type ContractDriver,
  type HostOutputLine,
  type HostRun,
  runOnHost,
  type TaskBehaviour,
} from '@taskport/contract-tests';
import { inject } from 'vitest';
import {
  type AwsClients,
  type AwsOptions,
  type AwsOptionsInput,
  ensureAwsResources,
  parseAwsOptions,
  taskIdOf,
} from '../../src/index.js';

export const REGION = 'us-east-1';
export const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

export function motoEndpoint(): string {
  return inject('motoEndpoint');
}

export function randomName(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

/** Counts SDK commands per client (an initialize-step middleware sees every call once, retries included). */
export class CallCounter {
  readonly calls: string[] = [];

  attach<C extends { middlewareStack: { add: (...args: never[]) => unknown } }>(
    client: C,
    service: string,
  ): C {
    (client.middlewareStack as unknown as { add: (mw: unknown, options: unknown) => void }).add(
      (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => (args: unknown) => {
        this.calls.push(`${service}:${context.commandName ?? '?'}`);
        return next(args);
      },
      { step: 'initialize', name: `taskportCallCounter-${service}` },
    );
    return client;
  }

  count(prefix = ''): number {
    return this.calls.filter((c) => c.startsWith(prefix)).length;
  }

  reset(): void {
    this.calls.length = 0;
  }
}

const clientConfig = () => ({
  region: REGION,
  endpoint: motoEndpoint(),
  credentials: { ...CREDENTIALS },
  maxAttempts: 1,
});

/** Fresh SDK clients against moto, each counted. */
export function motoClients(
  counter = new CallCounter(),
  endpoint = motoEndpoint(),
): AwsClients & { counter: CallCounter } {
  const config = { ...clientConfig(), endpoint };
  return {
    ecs: counter.attach(new ECSClient(config), 'ecs'),
    dynamodb: counter.attach(new DynamoDBClient(config), 'dynamodb'),
    iam: counter.attach(new IAMClient(config), 'iam'),
    logs: counter.attach(new CloudWatchLogsClient(config), 'logs'),
    counter,
  };
}

let network: Promise<{ subnets: string[]; securityGroups: string[]; executionRoleArn: string }> | undefined;

/** moto's default VPC subnet and security group, and an execution role (created once per test file). */
function sharedNetwork() {
  network ??= (async () => {
    const ec2 = new EC2Client(clientConfig());
    const iam = new IAMClient(clientConfig());
    const subnets = await ec2.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: 'default-for-az', Values: ['true'] }] }),
    );
    const groups = await ec2.send(
      new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: ['default'] }] }),
    );
    const roleName = randomName('taskport-exec');
    const role = await iam.send(
      new CreateRoleCommand({
        RoleName: roleName,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' },
          ],
        }),
      }),
    );
    return {
      subnets: [subnets.Subnets![0]!.SubnetId!],
      securityGroups: [groups.SecurityGroups![0]!.GroupId!],
      executionRoleArn: role.Role!.Arn!,
    };
  })();
  return network;
}

/** Creates an IAM role in moto and returns its name. */
export async function createRole(name = randomName('taskport-role')): Promise<string> {
  const iam = new IAMClient(clientConfig());
  await iam.send(
    new CreateRoleCommand({
      RoleName: name,
      AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [] }),
    }),
  );
  return name;
}

export interface MotoEnvironment {
  options: AwsOptions;
  clients: AwsClients & { counter: CallCounter };
  cleanup: () => Promise<void>;
}

/**
 * A fresh deployment on moto: its own cluster, tables, log groups and family prefix, so tests share nothing.
 */
export async function motoEnvironment(
  overrides: AwsOptionsInput = {},
  endpoint = motoEndpoint(),
): Promise<MotoEnvironment> {
  const net = await sharedNetwork();
  const id = randomBytes(4).toString('hex');
  const options = parseAwsOptions({
    region: REGION,
    endpoint,
    credentials: { ...CREDENTIALS },
    cluster: `taskport-${id}`,
    subnets: net.subnets,
    securityGroups: net.securityGroups,
    defaultExecutionRoleArn: net.executionRoleArn,
    logGroup: `/taskport/${id}/tasks`,
    backendLogGroups: [`/taskport/${id}/backend`],
    imagesTable: `taskport-images-${id}`,
    executionsTable: `taskport-executions-${id}`,
    familyPrefix: `tp${id}`,
    retry: { baseDelayMs: 5, maxDelayMs: 50, budgetMs: 5000 },
    ...overrides,
  });
  const clients = motoClients(new CallCounter(), endpoint);
  await ensureAwsResources(options, clients);
  clients.counter.reset();
  return {
    options,
    clients,
    cleanup: async () => {
      for (const table of [options.imagesTable, options.executionsTable]) {
        await clients.dynamodb.send(new DeleteTableCommand({ TableName: table })).catch(() => undefined);
      }
    },
  };
}

/** Sets what the ECS agent would report for a task (the launcher's test-only endpoint). */
export async function setTaskState(
  executionId: string,
  state: {
    lastStatus?: string;
    stopCode?: string;
    stoppedReason?: string;
    exitCode?: number | null;
    container?: string;
  },
  endpoint = motoEndpoint(),
): Promise<void> {
  const response = await fetch(`${endpoint}/_taskport/ecs/task-state`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ task: executionId, ...state }),
  });
  if (!response.ok)
    throw new Error(`setting the state of task ${executionId} failed: ${await response.text()}`);
}

/**
 * One call of an AWS JSON-protocol API (Secrets Manager, SSM) on moto. These SDK clients are not
 * dependencies of the adapter (ECS resolves secrets, not taskport), so the tests speak the protocol
 * directly; moto routes by the service in the SigV4 scope and does not check the signature.
 */
async function motoJson(
  service: 'secretsmanager' | 'ssm',
  target: string,
  body: object,
  endpoint = motoEndpoint(),
): Promise<Record<string, unknown>> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': target,
      authorization: `AWS4-HMAC-SHA256 Credential=${CREDENTIALS.accessKeyId}/20260101/${REGION}/${service}/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${target} on moto failed (HTTP ${response.status}): ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** Stores a secret in moto's Secrets Manager and returns its ARN (what a user passes in `secrets`). */
export async function createSecret(value: string, endpoint = motoEndpoint()): Promise<string> {
  const created = await motoJson(
    'secretsmanager',
    'secretsmanager.CreateSecret',
    { Name: randomName('taskport-contract'), SecretString: value },
    endpoint,
  );
  return String(created.ARN);
}

/** What the ECS agent does for a task definition's `secrets`: reads each `valueFrom`. */
async function resolveSecret(valueFrom: string): Promise<string> {
  if (valueFrom.includes(':secretsmanager:')) {
    const secret = await motoJson('secretsmanager', 'secretsmanager.GetSecretValue', { SecretId: valueFrom });
    return String(secret.SecretString ?? '');
  }
  const name = valueFrom.replace(/^arn:[^:]+:ssm:[^:]+:\d+:parameter/, '');
  const parameter = await motoJson('ssm', 'AmazonSSM.GetParameter', { Name: name, WithDecryption: true });
  return String((parameter.Parameter as { Value?: string } | undefined)?.Value ?? '');
}

/**
 * Plays the ECS runtime and its agent for moto, from what ECS received - never from the test's intent:
 * the container runs the override `command` (else the task definition's) as its argv, with the task
 * definition's `environment` and resolved `secrets` and the override's `environment`, for real on this
 * machine (`runOnHost`). Its output goes where the awslogs driver writes it (`<prefix>/<container>/<task
 * id>` in the task log group), and the task stops with the command's own exit code. A StopTask stops
 * the process (in `settle`); `forget` makes ECS drop the task, as it does an hour after a stop.
 */
export class MotoDriver implements ContractDriver {
  private readonly ecs: ECSClient;
  private readonly logs: CloudWatchLogsClient;
  /** The containers running now, by task id; `stopped` once the platform ended the task itself. */
  private readonly running = new Map<string, { run: HostRun; stopped: boolean }>();

  constructor(private readonly options: AwsOptions) {
    this.ecs = new ECSClient(clientConfig());
    this.logs = new CloudWatchLogsClient(clientConfig());
  }

  /** Starts the container of the task as ECS would. `_behaviour` (the test's intent) is not read. */
  async play(executionId: string, _behaviour: TaskBehaviour): Promise<void> {
    const task = await this.taskOf(executionId);
    if (!task) throw new Error(`moto driver: ECS has no task ${executionId}`);
    const container = await this.containerDefinitionOf(task);
    const argv = [
      ...(container?.entryPoint ?? []),
      ...(this.overrideOf(task)?.command ?? container?.command ?? []),
    ];
    const env = await this.environmentOf(executionId);
    await setTaskState(executionId, { lastStatus: 'RUNNING' });

    // The awslogs driver ships lines in batches as they come.
    const buffered: HostOutputLine[] = [];
    let shipping = Promise.resolve();
    const ship = () => {
      shipping = shipping.then(async () => {
        const lines = buffered.splice(0);
        if (lines.length) await this.write(executionId, lines);
      });
    };
    const run = runOnHost(argv, {
      env,
      onLine: (line) => {
        buffered.push(line);
        ship();
      },
    });
    const entry = { run, stopped: false };
    this.running.set(executionId, entry);
    void run.exited
      .then(async (exit) => {
        ship();
        await shipping;
        if (entry.stopped) return;
        const now = await this.taskOf(executionId);
        // A StopTask got there first: ECS keeps the stop it recorded.
        if (!now || now.lastStatus === 'STOPPED' || now.desiredStatus === 'STOPPED') return;
        await setTaskState(
          executionId,
          exit.kind === 'exited'
            ? {
                lastStatus: 'STOPPED',
                stopCode: 'EssentialContainerExited',
                stoppedReason: 'Essential container in task exited',
                exitCode: exit.exitCode,
              }
            : {
                lastStatus: 'STOPPED',
                stopCode: 'TaskFailedToStart',
                stoppedReason: `CannotStartContainerError: ${exit.reason}`,
                exitCode: null,
              },
        );
      })
      .catch(() => undefined)
      .finally(() => {
        if (this.running.get(executionId) === entry) this.running.delete(executionId);
      });
  }

  /** Carries out a stop ECS recorded (StopTask, the timeout watchdog's stop): the container is stopped. */
  async settle(executionId: string): Promise<void> {
    const entry = this.running.get(executionId);
    if (!entry) return;
    const task = await this.taskOf(executionId);
    if (task && task.lastStatus !== 'STOPPED' && task.desiredStatus !== 'STOPPED') return;
    entry.stopped = true;
    entry.run.stop();
  }

  /** ECS drops the task (DescribeTasks answers MISSING for it), its container stopped first. */
  async forget(executionId: string): Promise<void> {
    const entry = this.running.get(executionId);
    if (entry) {
      entry.stopped = true;
      entry.run.stop(0);
    }
    const response = await fetch(`${motoEndpoint()}/_taskport/ecs/forget-task`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ task: executionId }),
    });
    if (!response.ok) throw new Error(`forgetting task ${executionId} failed: ${await response.text()}`);
  }

  /** Stops every container still running (end of the test file). */
  close(): void {
    for (const entry of this.running.values()) {
      entry.stopped = true;
      entry.run.stop(0);
    }
    this.running.clear();
  }

  /**
   * The environment ECS gives the container: its task definition's `environment` and `secrets` (resolved
   * from Secrets Manager / SSM, as the agent does with the execution role), then the container override's
   * `environment`.
   */
  async environmentOf(executionId: string): Promise<Record<string, string>> {
    const task = await this.taskOf(executionId);
    const container = await this.containerDefinitionOf(task);
    const env: Record<string, string> = {};
    for (const e of container?.environment ?? []) env[e.name!] = e.value ?? '';
    for (const secret of container?.secrets ?? []) env[secret.name!] = await resolveSecret(secret.valueFrom!);
    for (const e of this.overrideOf(task)?.environment ?? []) env[e.name!] = e.value ?? '';
    return env;
  }

  private async containerDefinitionOf(task: Task | undefined) {
    const { taskDefinition } = await this.ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: task?.taskDefinitionArn }),
    );
    return taskDefinition?.containerDefinitions?.find((c) => c.name === this.options.containerName);
  }

  private async taskOf(executionId: string) {
    const { tasks } = await this.ecs.send(
      new DescribeTasksCommand({ cluster: this.options.cluster, tasks: [executionId] }),
    );
    return tasks?.find((t) => taskIdOf(t.taskArn ?? '') === executionId);
  }

  /** The override RunTask gave the task's container, as ECS reports it. */
  private overrideOf(task: Task | undefined) {
    return task?.overrides?.containerOverrides?.find((o) => o.name === this.options.containerName);
  }

  /** Appends lines to the task's awslogs stream, creating the stream on first use (as the driver does). */
  async write(executionId: string, lines: readonly { message: string; timestamp: number }[]): Promise<void> {
    if (lines.length === 0) return;
    const logStreamName = `${this.options.logStreamPrefix}/${this.options.containerName}/${executionId}`;
    await this.logs
      .send(new CreateLogStreamCommand({ logGroupName: this.options.logGroup, logStreamName }))
      .catch((error: Error) => {
        if (error.name !== 'ResourceAlreadyExistsException') throw error;
      });
    await this.logs.send(
      new PutLogEventsCommand({
        logGroupName: this.options.logGroup,
        logStreamName,
        logEvents: lines.map(({ message, timestamp }) => ({ timestamp, message })),
      }),
    );
  }
}
