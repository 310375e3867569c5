import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { IAMClient } from '@aws-sdk/client-iam';
import { ConfigurationError } from '@taskport/core';
import type { RetryPolicy } from './aws-errors.js';

/** Static credentials, for emulators and tests. Real deployments use the SDK's default provider chain. */
export interface AwsStaticCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** SDK clients the adapters use; pass your own to control middleware, credentials or HTTP handling. */
export interface AwsClients {
  ecs: ECSClient;
  dynamodb: DynamoDBClient;
  iam: IAMClient;
  logs: CloudWatchLogsClient;
}

/** Options of the AWS provider (the `aws:` section of the deployment config). */
export interface AwsOptions {
  /** AWS region, e.g. `eu-west-1`. Falls back to `AWS_REGION` / `AWS_DEFAULT_REGION`. */
  region: string;
  /** ECS cluster the tasks run in (name or ARN). Required by the TaskExecutor. @default 'default' */
  cluster: string;
  /** Subnets of the tasks' network interface (awsvpc). Required by the TaskExecutor. */
  subnets: string[];
  /** Security groups of the tasks' network interface. @default [] (the VPC's default group) */
  securityGroups: string[];
  /** Give the task a public IP (needed to pull from public registries in a public subnet without NAT). @default false */
  assignPublicIp: boolean;
  /** Log group the tasks' awslogs driver writes to. @default '/taskport/tasks' */
  logGroup: string;
  /** awslogs stream prefix; streams are `<prefix>/<containerName>/<task id>`. @default 'taskport' */
  logStreamPrefix: string;
  /** Name of the task's one container in the task definitions taskport registers. @default 'main' */
  containerName: string;
  /** Log groups holding taskport's own JSON log lines, searched by BackendObservability. @default ['/taskport/backend'] */
  backendLogGroups: string[];
  /** How far back BackendObservability looks when the request id carries no time. @default 7 days */
  backendLogLookbackMs: number;
  /** DynamoDB table of registered images. @default 'taskport-images' */
  imagesTable: string;
  /** DynamoDB table of execution records. @default 'taskport-executions' */
  executionsTable: string;
  /** Prefix of the ECS task definition families taskport registers. @default 'taskport' */
  familyPrefix: string;
  /** `startedBy` of every task (letters, digits, `-`, `_`; max 36), so taskport's tasks can be listed. @default 'taskport' */
  startedBy: string;
  /** Task role ARN used when an image names none. Optional: without it the task has no AWS permissions. */
  defaultTaskRoleArn?: string;
  /** Execution role ARN used when an image names none (pulls the image, writes awslogs). Needed on Fargate. */
  defaultExecutionRoleArn?: string;
  /** AWS account id, to turn role *names* of images registered elsewhere into ARNs. Derived from the default roles when absent. */
  accountId?: string;
  /**
   * What to do with secret values that are not ARNs. `reject` (the default) refuses them before any AWS
   * call, saying how to pass a Secrets Manager / SSM Parameter Store ARN instead. `unsafe-environment`
   * passes them as container-override environment, where anyone allowed `ecs:DescribeTasks` reads them
   * (`environment` is the old name of the same). ARNs always go through the task definition's `secrets`.
   * @default 'reject'
   */
  plainSecrets: 'reject' | 'unsafe-environment';
  /** Endpoint of every service (for emulators such as moto). */
  endpoint?: string;
  /** Static credentials; absent means the SDK's default chain. */
  credentials?: AwsStaticCredentials;
  /** Pre-built SDK clients (any subset); the rest are built from region, endpoint and credentials. */
  clients?: Partial<AwsClients>;
  /** Retries of throttles and 5xx. */
  retry?: RetryPolicy;
  /**
   * GetLogEvents calls per second this process makes at most, across every log reader built from these
   * options (CloudWatch allows 25 per second per account and region). @default 10
   */
  logsRequestsPerSecond: number;
  /** Stop tasks past their timeout from a timer in this process as well (the tag-based checks always run). @default true */
  timeoutWatchdog: boolean;
}

/** What callers may pass: only region is required; everything else has a default. */
export type AwsOptionsInput = Partial<AwsOptions> & { region?: string };

const NAME = /^[A-Za-z0-9_-]{1,36}$/;

function fail(key: string, message: string): never {
  throw new ConfigurationError(`aws.${key}: ${message}`, { provider: 'aws', details: { key: `aws.${key}` } });
}

function stringList(value: unknown, key: string): string[] {
  if (value === undefined || value === null || value === '') return [];
  if (typeof value === 'string')
    return value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v.trim() === '')) {
    fail(key, 'must be a list of non-empty strings (or a comma-separated string)');
  }
  return value.map((v: string) => v.trim());
}

function optionalString(value: unknown, key: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') fail(key, 'must be a string');
  return value.trim();
}

function bool(value: unknown, key: string, fallback: boolean): boolean {
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  return fail(key, 'must be true or false');
}

/**
 * Validates options ("argument first, then environment") and applies defaults. Throws ConfigurationError
 * naming the key (e.g. `aws.region`).
 */
export function parseAwsOptions(raw: unknown, env: Record<string, string | undefined> = {}): AwsOptions {
  if (raw !== undefined && raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) {
    throw new ConfigurationError('aws: the provider options must be an object', { provider: 'aws' });
  }
  const input = (raw ?? {}) as Record<string, unknown>;
  const region = optionalString(input.region, 'region') ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) fail('region', 'is required: set aws.region in the config or AWS_REGION in the environment');
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region))
    fail('region', `"${region}" is not an AWS region such as eu-west-1`);
  const startedBy = optionalString(input.startedBy, 'startedBy') ?? 'taskport';
  if (!NAME.test(startedBy)) fail('startedBy', 'must be 1-36 letters, digits, "-" or "_"');
  const familyPrefix = optionalString(input.familyPrefix, 'familyPrefix') ?? 'taskport';
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(familyPrefix))
    fail('familyPrefix', 'must be 1-64 letters, digits, "-" or "_"');
  const containerName = optionalString(input.containerName, 'containerName') ?? 'main';
  if (!/^[A-Za-z0-9_-]{1,255}$/.test(containerName))
    fail('containerName', 'must be letters, digits, "-" or "_"');
  const rawPlainSecrets = input.plainSecrets ?? 'reject';
  if (
    rawPlainSecrets !== 'unsafe-environment' &&
    rawPlainSecrets !== 'environment' &&
    rawPlainSecrets !== 'reject'
  )
    fail('plainSecrets', 'must be "reject" (the default) or "unsafe-environment"');
  const plainSecrets: AwsOptions['plainSecrets'] =
    rawPlainSecrets === 'reject' ? 'reject' : 'unsafe-environment';
  const lookback = input.backendLogLookbackMs ?? 7 * 24 * 3600 * 1000;
  if (typeof lookback !== 'number' || !Number.isSafeInteger(lookback) || lookback <= 0) {
    fail('backendLogLookbackMs', 'must be a positive whole number of milliseconds');
  }
  for (const key of ['defaultTaskRoleArn', 'defaultExecutionRoleArn'] as const) {
    const value = optionalString(input[key], key);
    if (value !== undefined && !/^arn:aws[\w-]*:iam::\d{12}:role\/.+$/.test(value)) {
      fail(key, `"${value}" is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)`);
    }
  }
  const logsRate = input.logsRequestsPerSecond ?? 10;
  if (typeof logsRate !== 'number' || !(logsRate > 0) || logsRate > 1000) {
    fail('logsRequestsPerSecond', 'must be a number above 0 and at most 1000');
  }
  const accountId = optionalString(input.accountId, 'accountId');
  if (accountId !== undefined && !/^\d{12}$/.test(accountId)) fail('accountId', 'must be 12 digits');
  const endpoint = optionalString(input.endpoint, 'endpoint') ?? env.TASKPORT_AWS_ENDPOINT;
  if (endpoint !== undefined && !/^https?:\/\/\S+$/.test(endpoint))
    fail('endpoint', 'must be an http(s) URL');
  const credentials = input.credentials as AwsStaticCredentials | undefined;
  if (
    credentials !== undefined &&
    (typeof credentials?.accessKeyId !== 'string' || typeof credentials?.secretAccessKey !== 'string')
  ) {
    fail('credentials', 'must have accessKeyId and secretAccessKey');
  }
  const options: AwsOptions = {
    region,
    cluster: optionalString(input.cluster, 'cluster') ?? 'default',
    subnets: stringList(input.subnets, 'subnets'),
    securityGroups: stringList(input.securityGroups, 'securityGroups'),
    assignPublicIp: bool(input.assignPublicIp, 'assignPublicIp', false),
    logGroup: optionalString(input.logGroup, 'logGroup') ?? '/taskport/tasks',
    logStreamPrefix: optionalString(input.logStreamPrefix, 'logStreamPrefix') ?? 'taskport',
    containerName,
    backendLogGroups:
      input.backendLogGroups === undefined
        ? ['/taskport/backend']
        : stringList(input.backendLogGroups, 'backendLogGroups'),
    backendLogLookbackMs: lookback as number,
    imagesTable: optionalString(input.imagesTable, 'imagesTable') ?? 'taskport-images',
    executionsTable: optionalString(input.executionsTable, 'executionsTable') ?? 'taskport-executions',
    familyPrefix,
    startedBy,
    plainSecrets,
    logsRequestsPerSecond: logsRate as number,
    timeoutWatchdog: bool(input.timeoutWatchdog, 'timeoutWatchdog', true),
  };
  const optional = {
    defaultTaskRoleArn: optionalString(input.defaultTaskRoleArn, 'defaultTaskRoleArn'),
    defaultExecutionRoleArn: optionalString(input.defaultExecutionRoleArn, 'defaultExecutionRoleArn'),
    accountId,
    endpoint,
    credentials,
    clients: input.clients as Partial<AwsClients> | undefined,
    retry: input.retry as RetryPolicy | undefined,
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) (options as unknown as Record<string, unknown>)[key] = value;
  }
  return options;
}

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

/** The account id, from the options or the default role ARNs. */
export function accountIdOf(options: AwsOptions): string | undefined {
  if (options.accountId) return options.accountId;
  for (const arn of [options.defaultExecutionRoleArn, options.defaultTaskRoleArn]) {
    const match = arn?.match(/^arn:aws[\w-]*:iam::(\d{12}):role\//);
    if (match) return match[1];
  }
  return undefined;
}
