import { createHash } from 'node:crypto';
import {
  DescribeTaskDefinitionCommand,
  type ECSClient,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import { type Platform, ProviderError, ValidationError } from '@taskport/core';
import type { RetryPolicy } from '@taskport/provider-utils';
import { awsCall, errorName, PROVIDER } from './aws-errors.js';
import type { AwsOptions } from './aws-options.js';

/** Valid Fargate task sizes: CPU units -> allowed memory in MiB (AWS documentation, "Task size"). */
const FARGATE_SIZES: ReadonlyMap<number, readonly number[]> = new Map([
  [256, [512, 1024, 2048]],
  [512, range(1024, 4096, 1024)],
  [1024, range(2048, 8192, 1024)],
  [2048, range(4096, 16384, 1024)],
  [4096, range(8192, 30720, 1024)],
  [8192, range(16384, 61440, 4096)],
  [16384, range(32768, 122880, 8192)],
]);

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

/** Throws ValidationError unless cpu/memory is a Fargate task size; no AWS call is made. */
export function validateFargateSize(cpu: number, memory: number, operation: string): void {
  const allowed = FARGATE_SIZES.get(cpu);
  if (!allowed) {
    throw new ValidationError(
      `cpu ${cpu} is not a Fargate task size; use one of ${[...FARGATE_SIZES.keys()].join(', ')} CPU units (1024 = 1 vCPU)`,
      {
        provider: PROVIDER,
        operation,
        details: { field: 'resources.cpu', allowed: [...FARGATE_SIZES.keys()] },
      },
    );
  }
  if (!allowed.includes(memory)) {
    const first = allowed[0];
    const last = allowed[allowed.length - 1];
    const step = allowed.length > 1 ? allowed[1]! - first! : 0;
    throw new ValidationError(
      `memory ${memory} MiB does not fit cpu ${cpu} on Fargate; allowed: ${first}-${last} MiB${step ? ` in steps of ${step}` : ''}${cpu === 256 ? ' (512, 1024 or 2048)' : ''}`,
      { provider: PROVIDER, operation, details: { field: 'resources.memory', allowed } },
    );
  }
}

/** ECS spelling of a canonical platform. */
export function ecsRuntimePlatform(platform: Platform): {
  operatingSystemFamily: 'LINUX';
  cpuArchitecture: 'X86_64' | 'ARM64';
} {
  return { operatingSystemFamily: 'LINUX', cpuArchitecture: platform === 'linux/arm64' ? 'ARM64' : 'X86_64' };
}

/** The deterministic task-definition family of an ImageID (plus a variant for secret references). */
export function familyFor(prefix: string, imageId: string, variant?: string): string {
  const sanitized = imageId
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
  const suffix = variant ? `-${variant}` : '';
  const full = `${prefix}-${sanitized}${suffix}`;
  if (full.length <= 255) return full;
  const hash = createHash('sha256').update(imageId).digest('hex').slice(0, 8);
  return `${prefix}-${sanitized.slice(0, 255 - prefix.length - suffix.length - 10)}-${hash}${suffix}`;
}

/** A secret passed by reference: ECS resolves `valueFrom` (Secrets Manager / SSM ARN) with the execution role. */
export interface SecretRef {
  name: string;
  valueFrom: string;
}

const SECRET_ARN = /^arn:aws[\w-]*:(secretsmanager|ssm):[a-z0-9-]+:\d{12}:(secret:|parameter\/)\S+$/;

export function isSecretReference(value: string): boolean {
  return SECRET_ARN.test(value);
}

/** Everything a task definition registered by taskport is made of. */
export interface TaskDefinitionSpec {
  family: string;
  imageId: string;
  /** What the container pulls (the normalised reference). */
  image: string;
  cpu: number;
  memory: number;
  platform: Platform;
  /** Role names or ARNs as the image gives them; `undefined` uses the option default. */
  taskRole: string | undefined;
  executionRole: string | undefined;
  secrets: SecretRef[];
}

/** Turns a role name into an ARN (ARNs pass through). */
export function roleArn(role: string, accountId: string | undefined, operation: string): string {
  if (role.startsWith('arn:')) return role;
  if (!accountId) {
    throw new ValidationError(
      `role "${role}" is a name, and the AWS account id is unknown; register the image with a role ARN, or set aws.accountId`,
      { provider: PROVIDER, operation, details: { field: 'permissions' } },
    );
  }
  return `arn:aws:iam::${accountId}:role/${role}`;
}

/**
 * The identity of a role in the ImageID: an IAM role ARN of the deployment's own account names the same
 * role as its bare name (role names are unique within an account, whatever the path), so it counts as the
 * name. A role of another account, or any ARN while the account is unknown (set aws.accountId), is kept
 * as given: then the provider cannot tell.
 */
export function roleIdentity(role: string, accountId: string | undefined): string {
  const match = /^arn:aws[\w-]*:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(role);
  return match && accountId !== undefined && match[1] === accountId ? match[2]! : role;
}

function roleName(arnOrName: string | undefined): string | undefined {
  return arnOrName?.split('/').pop();
}

/** The RegisterTaskDefinition input for a spec whose roles are already ARNs. */
export function registerInput(
  spec: TaskDefinitionSpec,
  roles: { taskRoleArn: string | undefined; executionRoleArn: string },
  options: AwsOptions,
): RegisterTaskDefinitionCommandInput {
  return {
    family: spec.family,
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    cpu: String(spec.cpu),
    memory: String(spec.memory),
    runtimePlatform: ecsRuntimePlatform(spec.platform),
    executionRoleArn: roles.executionRoleArn,
    ...(roles.taskRoleArn ? { taskRoleArn: roles.taskRoleArn } : {}),
    containerDefinitions: [
      {
        name: options.containerName,
        image: spec.image,
        essential: true,
        logConfiguration: {
          logDriver: 'awslogs',
          options: {
            'awslogs-group': options.logGroup,
            'awslogs-region': options.region,
            'awslogs-stream-prefix': options.logStreamPrefix,
          },
        },
        ...(spec.secrets.length
          ? { secrets: spec.secrets.map((s) => ({ name: s.name, valueFrom: s.valueFrom })) }
          : {}),
      },
    ],
    tags: [
      { key: 'taskport:imageId', value: spec.imageId },
      { key: 'taskport:managed-by', value: 'taskport' },
    ],
  };
}

/** True when a registered revision runs exactly what `spec` asks for with these options. */
export function taskDefinitionMatches(
  td: TaskDefinition,
  spec: TaskDefinitionSpec,
  options: AwsOptions,
  roles: { taskRole: string | undefined; executionRole: string | undefined },
): boolean {
  const container = td.containerDefinitions?.find((c) => c.name === options.containerName);
  if (!container || td.status !== 'ACTIVE') return false;
  const log = container.logConfiguration;
  const secrets = [...(container.secrets ?? [])]
    .map((s) => `${s.name}=${s.valueFrom}`)
    .sort()
    .join(',');
  const platform = ecsRuntimePlatform(spec.platform);
  return (
    container.image === spec.image &&
    td.cpu === String(spec.cpu) &&
    td.memory === String(spec.memory) &&
    (td.runtimePlatform?.cpuArchitecture ?? 'X86_64') === platform.cpuArchitecture &&
    log?.logDriver === 'awslogs' &&
    log.options?.['awslogs-group'] === options.logGroup &&
    log.options?.['awslogs-stream-prefix'] === options.logStreamPrefix &&
    roleName(td.taskRoleArn) === roleName(roles.taskRole) &&
    roleName(td.executionRoleArn) === roleName(roles.executionRole) &&
    secrets ===
      spec.secrets
        .map((s) => `${s.name}=${s.valueFrom}`)
        .sort()
        .join(',')
  );
}

/**
 * Finds or registers the task definition of a spec. Revisions are looked up by their deterministic family,
 * so a new process reuses what an earlier one registered; callers cache the result.
 */
export async function ensureTaskDefinition(
  ecs: ECSClient,
  spec: TaskDefinitionSpec,
  options: AwsOptions,
  operation: string,
  context: {
    signal?: AbortSignal | undefined;
    retry?: RetryPolicy | undefined;
    accountId: string | undefined;
  },
): Promise<{ arn: string; registered: boolean }> {
  const taskRole = spec.taskRole ?? options.defaultTaskRoleArn;
  const executionRole = spec.executionRole ?? options.defaultExecutionRoleArn;
  const existing = await awsCall(
    operation,
    async () => {
      try {
        return (
          await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: spec.family }), {
            abortSignal: context.signal,
          })
        ).taskDefinition;
      } catch (error) {
        // ECS answers ClientException for an unknown family.
        if (
          errorName(error) === 'ClientException' &&
          !/rate exceeded/i.test(String((error as Error).message))
        )
          return undefined;
        throw error;
      }
    },
    { policy: context.retry, signal: context.signal },
  );
  if (
    existing?.taskDefinitionArn &&
    taskDefinitionMatches(existing, spec, options, { taskRole, executionRole })
  ) {
    return { arn: existing.taskDefinitionArn, registered: false };
  }
  if (!executionRole) {
    throw new ValidationError(
      'Fargate tasks that log with awslogs need an execution role: register the image with permissions.executionRole, or set aws.defaultExecutionRoleArn',
      { provider: PROVIDER, operation, details: { field: 'permissions.executionRole' } },
    );
  }
  const input = registerInput(
    spec,
    {
      taskRoleArn: taskRole ? roleArn(taskRole, context.accountId, operation) : undefined,
      executionRoleArn: roleArn(executionRole, context.accountId, operation),
    },
    options,
  );
  const registered = await awsCall(
    operation,
    () => ecs.send(new RegisterTaskDefinitionCommand(input), { abortSignal: context.signal }),
    { policy: context.retry, signal: context.signal },
  );
  const arn = registered.taskDefinition?.taskDefinitionArn;
  if (!arn)
    throw new ProviderError('ECS answered RegisterTaskDefinition without a task definition', {
      provider: PROVIDER,
      operation,
    });
  return { arn, registered: true };
}
