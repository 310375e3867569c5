import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { IAMClient } from '@aws-sdk/client-iam';
import {
  booleanSetting,
  describedDefault,
  describedOption,
  integerSetting,
  listSetting,
  numberSetting,
  parseProviderOptions,
  type RetryPolicy,
  retryPolicySetting,
  textSetting,
} from '@taskport/provider-utils';
import * as v from 'valibot';

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

const ROLE_ARN = /^arn:aws[\w-]*:iam::\d{12}:role\/.+$/;
const ROLE_ARN_EXPECTED = 'must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)';
const describe = v.description;

const option = describedOption;
const withDefault = describedDefault;
const retryPolicySchema = retryPolicySetting;

/**
 * The `aws:` section of taskport.yaml. This module imports no AWS SDK code (the client types are
 * type-only), so `@taskport/aws/options` validates a section without loading the SDK.
 */
export const awsOptionsSchema = v.strictObject({
  region: v.pipe(
    textSetting(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-1'),
    describe('AWS region, e.g. eu-west-1. Falls back to AWS_REGION / AWS_DEFAULT_REGION.'),
  ),
  cluster: withDefault(textSetting(), 'default', 'ECS cluster the tasks run in (name or ARN).'),
  subnets: withDefault(listSetting(), [], "Subnets of the tasks' network interface (awsvpc)."),
  securityGroups: withDefault(
    listSetting(),
    [],
    "Security groups of the tasks' network interface (default: the VPC's default group).",
  ),
  assignPublicIp: withDefault(
    booleanSetting(),
    false,
    'Give the task a public IP (to pull public images in a public subnet without NAT).',
  ),
  logGroup: withDefault(textSetting(), '/taskport/tasks', "Log group of the tasks' awslogs driver."),
  logStreamPrefix: withDefault(
    textSetting(),
    'taskport',
    'awslogs stream prefix; streams are <prefix>/<containerName>/<task id>.',
  ),
  containerName: withDefault(
    textSetting(/^[A-Za-z0-9_-]{1,255}$/, 'must be letters, digits, "-" or "_"'),
    'main',
    "Name of the task's one container in the task definitions taskport registers.",
  ),
  backendLogGroups: withDefault(
    listSetting(),
    ['/taskport/backend'],
    "Log groups holding taskport's own JSON log lines, searched by `taskport trace`.",
  ),
  backendLogLookbackMs: withDefault(
    integerSetting(1, 366 * 24 * 3600 * 1000),
    7 * 24 * 3600 * 1000,
    'How far back `taskport trace` looks when the request id carries no time, in ms.',
  ),
  imagesTable: withDefault(textSetting(), 'taskport-images', 'DynamoDB table of registered images.'),
  executionsTable: withDefault(textSetting(), 'taskport-executions', 'DynamoDB table of execution records.'),
  familyPrefix: withDefault(
    textSetting(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, "-" or "_"'),
    'taskport',
    'Prefix of the ECS task definition families taskport registers.',
  ),
  startedBy: withDefault(
    textSetting(/^[A-Za-z0-9_-]{1,36}$/, 'must be 1-36 letters, digits, "-" or "_"'),
    'taskport',
    "`startedBy` of every task, so that taskport's tasks can be listed.",
  ),
  defaultTaskRoleArn: option(
    textSetting(ROLE_ARN, ROLE_ARN_EXPECTED),
    'Task role used when an image names none (without it the task has no AWS permissions).',
  ),
  defaultExecutionRoleArn: option(
    textSetting(ROLE_ARN, ROLE_ARN_EXPECTED),
    'Execution role used when an image names none (pulls the image, writes awslogs).',
  ),
  accountId: option(
    textSetting(/^\d{12}$/, 'must be 12 digits'),
    'AWS account id, to turn role names into ARNs (derived from the default roles when absent).',
  ),
  plainSecrets: withDefault(
    v.pipe(
      v.picklist(['reject', 'unsafe-environment', 'environment']),
      // "environment" is the old name of "unsafe-environment": one value in the parsed options.
      v.transform((mode): 'reject' | 'unsafe-environment' =>
        mode === 'reject' ? 'reject' : 'unsafe-environment',
      ),
    ),
    'reject',
    'Secret values that are not Secrets Manager / SSM ARNs: "reject" (default) refuses them, saying how to pass an ARN; "unsafe-environment" passes them as override env, readable by anyone allowed ecs:DescribeTasks.',
  ),
  endpoint: option(
    textSetting(/^https?:\/\/\S+$/, 'must be an http(s) URL'),
    'Endpoint of every AWS service (for emulators such as moto). Falls back to TASKPORT_AWS_ENDPOINT.',
  ),
  credentials: option(
    v.strictObject({
      accessKeyId: textSetting(),
      secretAccessKey: textSetting(),
      sessionToken: v.optional(textSetting()),
    }),
    "Static credentials (emulators, tests). Absent: the SDK's default credential chain.",
  ),
  clients: option(
    v.custom<Partial<AwsClients>>(
      (value) => typeof value === 'object' && value !== null,
      'must be an object of SDK clients',
    ),
    'Pre-built SDK clients (library use only).',
  ),
  retry: option(retryPolicySchema, 'Retries of throttles and 5xx answers.'),
  logsRequestsPerSecond: withDefault(
    numberSetting(0, 1000),
    10,
    'GetLogEvents calls per second this process makes at most, across every log reader.',
  ),
  timeoutWatchdog: withDefault(
    booleanSetting(),
    true,
    'Also stop tasks past their timeout from a timer in this process.',
  ),
});

/** The `aws.*` options fall back to these environment variables, first match wins. */
export const awsOptionEnv = {
  region: ['AWS_REGION', 'AWS_DEFAULT_REGION'],
  endpoint: 'TASKPORT_AWS_ENDPOINT',
} as const;

/**
 * Validates options ("argument first, then environment") and applies defaults.
 * @throws ConfigurationError naming the key (e.g. `aws.region`) and the nearest valid name
 */
export function parseAwsOptions(
  raw: unknown,
  env: Readonly<Record<string, string | undefined>> = {},
): AwsOptions {
  return parseProviderOptions(awsOptionsSchema, raw, {
    provider: 'aws',
    env,
    optionEnv: awsOptionEnv,
  }) as AwsOptions;
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

/** The light `@taskport/aws/options` entry: the schema and its environment variables, no SDK. */
export { awsOptionEnv as optionEnv, awsOptionsSchema as optionsSchema };
