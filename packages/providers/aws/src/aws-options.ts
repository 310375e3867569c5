import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { IAMClient } from '@aws-sdk/client-iam';
import {
  booleanSetting,
  integerSetting,
  listSetting,
  parseProviderOptions,
  type RetryPolicy,
  textSetting,
} from '@taskport/provider-utils';
import { z } from 'zod';

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
   * What to do with secret values that are not ARNs: `environment` passes them as container-override
   * environment (visible to anyone allowed `ecs:DescribeTasks`); `reject` refuses them. Values that are
   * Secrets Manager or SSM Parameter Store ARNs always go through the task definition's `secrets`.
   * @default 'environment'
   */
  plainSecrets: 'environment' | 'reject';
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
const roleArn = (what: string) =>
  textSetting().regex(ROLE_ARN, `must be an IAM role ARN (arn:aws:iam::<account>:role/<name>) ${what}`);

const retryPolicySchema = z.strictObject({
  maxAttempts: integerSetting(1, 100).optional(),
  baseDelayMs: integerSetting(0, 60_000).optional(),
  throttleBaseDelayMs: integerSetting(0, 60_000).optional(),
  maxDelayMs: integerSetting(0, 600_000).optional(),
  budgetMs: integerSetting(0, 3_600_000).optional(),
});

/**
 * The `aws:` section of taskport.yaml. This module imports no AWS SDK code (the client types are
 * type-only), so `@taskport/aws/options` validates a section without loading the SDK.
 */
export const awsOptionsSchema = z.strictObject({
  region: textSetting()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-1')
    .meta({ description: 'AWS region, e.g. eu-west-1. Falls back to AWS_REGION / AWS_DEFAULT_REGION.' }),
  cluster: textSetting()
    .default('default')
    .meta({ description: 'ECS cluster the tasks run in (name or ARN).' }),
  subnets: listSetting()
    .default([])
    .meta({ description: "Subnets of the tasks' network interface (awsvpc)." }),
  securityGroups: listSetting().default([]).meta({
    description: "Security groups of the tasks' network interface (default: the VPC's default group).",
  }),
  assignPublicIp: booleanSetting().default(false).meta({
    description: 'Give the task a public IP (to pull public images in a public subnet without NAT).',
  }),
  logGroup: textSetting()
    .default('/taskport/tasks')
    .meta({ description: "Log group of the tasks' awslogs driver." }),
  logStreamPrefix: textSetting()
    .default('taskport')
    .meta({ description: 'awslogs stream prefix; streams are <prefix>/<containerName>/<task id>.' }),
  containerName: textSetting()
    .regex(/^[A-Za-z0-9_-]{1,255}$/, 'must be letters, digits, "-" or "_"')
    .default('main')
    .meta({ description: "Name of the task's one container in the task definitions taskport registers." }),
  backendLogGroups: listSetting()
    .default(['/taskport/backend'])
    .meta({ description: "Log groups holding taskport's own JSON log lines, searched by `taskport trace`." }),
  backendLogLookbackMs: integerSetting(1, 366 * 24 * 3600 * 1000)
    .default(7 * 24 * 3600 * 1000)
    .meta({ description: 'How far back `taskport trace` looks when the request id carries no time, in ms.' }),
  imagesTable: textSetting()
    .default('taskport-images')
    .meta({ description: 'DynamoDB table of registered images.' }),
  executionsTable: textSetting()
    .default('taskport-executions')
    .meta({ description: 'DynamoDB table of execution records.' }),
  familyPrefix: textSetting()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, "-" or "_"')
    .default('taskport')
    .meta({ description: 'Prefix of the ECS task definition families taskport registers.' }),
  startedBy: textSetting()
    .regex(/^[A-Za-z0-9_-]{1,36}$/, 'must be 1-36 letters, digits, "-" or "_"')
    .default('taskport')
    .meta({ description: "`startedBy` of every task, so that taskport's tasks can be listed." }),
  defaultTaskRoleArn: roleArn('(aws.defaultTaskRoleArn)').optional().meta({
    description: 'Task role used when an image names none (without it the task has no AWS permissions).',
  }),
  defaultExecutionRoleArn: roleArn('(aws.defaultExecutionRoleArn)')
    .optional()
    .meta({ description: 'Execution role used when an image names none (pulls the image, writes awslogs).' }),
  accountId: textSetting()
    .regex(/^\d{12}$/, 'must be 12 digits')
    .optional()
    .meta({
      description:
        'AWS account id, to turn role names into ARNs (derived from the default roles when absent).',
    }),
  plainSecrets: z.enum(['environment', 'reject']).default('environment').meta({
    description:
      'Secret values that are not Secrets Manager / SSM ARNs: "environment" passes them as override env (readable by anyone allowed ecs:DescribeTasks); "reject" refuses them.',
  }),
  endpoint: textSetting()
    .regex(/^https?:\/\/\S+$/, 'must be an http(s) URL')
    .optional()
    .meta({
      description:
        'Endpoint of every AWS service (for emulators such as moto). Falls back to TASKPORT_AWS_ENDPOINT.',
    }),
  credentials: z
    .strictObject({
      accessKeyId: textSetting(),
      secretAccessKey: textSetting(),
      sessionToken: textSetting().optional(),
    })
    .optional()
    .meta({
      description: "Static credentials (emulators, tests). Absent: the SDK's default credential chain.",
    }),
  clients: z
    .custom<Partial<AwsClients>>(
      (value) => typeof value === 'object' && value !== null,
      'must be an object of SDK clients',
    )
    .optional()
    .meta({ description: 'Pre-built SDK clients (library use only).' }),
  retry: retryPolicySchema.optional().meta({ description: 'Retries of throttles and 5xx answers.' }),
  logsRequestsPerSecond: z
    .union([
      z.number(),
      z
        .string()
        .regex(/^\s*\d+(\.\d+)?\s*$/)
        .transform(Number),
    ])
    .pipe(z.number().gt(0, 'must be above 0').max(1000, 'must be at most 1000'))
    .default(10)
    .meta({
      description: 'GetLogEvents calls per second this process makes at most, across every log reader.',
    }),
  timeoutWatchdog: booleanSetting()
    .default(true)
    .meta({ description: 'Also stop tasks past their timeout from a timer in this process.' }),
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
