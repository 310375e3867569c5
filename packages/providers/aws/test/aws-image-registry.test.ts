import {
  DescribeTaskDefinitionCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { ConflictError, ProviderError, ValidationError } from '@taskport/core';
import { afterEach, describe, expect, it } from 'vitest';
import { AwsImageRegistry, ensureAwsResources, familyFor } from '../src/index.js';
import { createRole, type MotoEnvironment, motoEnvironment } from './support/moto.js';

const BY = 'tests@taskport.test';

describe('AwsImageRegistry (moto)', () => {
  let env: MotoEnvironment;
  let registry: AwsImageRegistry;
  const setup = async () => {
    env = await motoEnvironment();
    registry = new AwsImageRegistry(env.options, env.clients);
  };
  afterEach(async () => env?.cleanup());

  const activeRevisions = async (family: string) =>
    (await env.clients.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family, status: 'ACTIVE' })))
      .taskDefinitionArns ?? [];

  it.each([
    ['a cpu that is no Fargate size', { resources: { cpu: 100 } }],
    ['a memory that does not fit the cpu', { resources: { cpu: 1024, memory: 1024 } }],
    ['16 vCPU with too little memory', { resources: { cpu: 16384, memory: 16384 } }],
    ['an unknown platform', { runtime: { platform: 'windows/amd64' } }],
    ['an invalid role name', { permissions: { taskRole: 'bad role!' } }],
    ['an invalid image reference', { image: 'Not An Image' }],
  ])('registerImage with %s throws ValidationError before any AWS call', async (_name, overrides) => {
    await setup();
    const error = await registry
      .registerImage({ image: 'alpine:3.20', registeredBy: BY, ...overrides })
      .catch((e) => e);
    expect(ValidationError.isInstance(error), String(error)).toBe(true);
    expect(env.clients.counter.count()).toBe(0);
  });

  it('ensureAwsResources is idempotent: a second run over existing tables, groups and cluster succeeds', async () => {
    await setup();
    await expect(ensureAwsResources(env.options, env.clients)).resolves.toBeUndefined();
    expect(await registry.listImages()).toEqual([]);
  });

  it('the roles are checked with IAM GetRole; a missing role is a ValidationError and registers nothing', async () => {
    await setup();
    const error = await registry
      .registerImage({ image: 'alpine:3.20', registeredBy: BY, permissions: { taskRole: 'no-such-role' } })
      .catch((e) => e);
    expect(ValidationError.isInstance(error)).toBe(true);
    expect(error.message).toContain('no-such-role');
    expect(env.clients.counter.calls).not.toContain('ecs:RegisterTaskDefinitionCommand');
    expect(await registry.listImages()).toEqual([]);
  });

  it('a role given by name and by its ARN in the deployment account gives one id, one image, one task definition', async () => {
    await setup();
    const taskRole = await createRole();
    const byName = await registry.registerImage({
      image: 'alpine:3.20',
      registeredBy: BY,
      permissions: { taskRole },
    });
    const byArn = await registry.registerImage({
      image: 'alpine:3.20',
      registeredBy: BY,
      permissions: { taskRole: `arn:aws:iam::123456789012:role/${taskRole}` },
    });
    expect(byArn.imageId).toBe(byName.imageId);
    expect(await registry.listImages()).toHaveLength(1);
    expect(await activeRevisions(familyFor(env.options.familyPrefix, byName.imageId))).toHaveLength(1);
    // Another account's role of the same name is another role.
    const foreign = await registry
      .registerImage({
        image: 'alpine:3.20',
        registeredBy: BY,
        permissions: { taskRole: `arn:aws:iam::210987654321:role/${taskRole}` },
      })
      .then(
        (info) => info.imageId,
        () => 'refused',
      );
    expect(foreign).not.toBe(byName.imageId);
  });

  it('maps ImageConfig to an ECS task definition: Fargate size, runtimePlatform and role ARNs from IAM', async () => {
    await setup();
    const taskRole = await createRole();
    const info = await registry.registerImage({
      image: 'public.ecr.aws/docker/library/python:3.12',
      registeredBy: BY,
      resources: { cpu: 2048, memory: 8192 },
      runtime: { platform: 'Linux/ARM64' },
      permissions: { taskRole },
    });
    expect(info).toMatchObject({
      platform: 'linux/arm64',
      cpu: 2048,
      memory: 8192,
      taskRole,
      isDefault: true,
    });
    const family = familyFor(env.options.familyPrefix, info.imageId);
    expect(info.providerRef).toMatch(new RegExp(`task-definition/${family}:1$`));
    const { taskDefinition } = await env.clients.ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: family }),
    );
    expect(taskDefinition).toMatchObject({
      cpu: '2048',
      memory: '8192',
      runtimePlatform: { cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' },
      taskRoleArn: `arn:aws:iam::123456789012:role/${taskRole}`,
      executionRoleArn: env.options.defaultExecutionRoleArn,
    });
    expect(taskDefinition!.containerDefinitions![0]!.image).toBe('public.ecr.aws/docker/library/python:3.12');

    env.clients.counter.reset();
    const again = await registry.registerImage({
      image: 'public.ecr.aws/docker/library/python:3.12',
      registeredBy: 'someone-else',
      resources: { cpu: 2048, memory: 8192 },
      runtime: { platform: 'aarch64' },
      permissions: { taskRole },
    });
    expect(again.imageId).toBe(info.imageId);
    expect(env.clients.counter.calls.filter((c) => c.startsWith('ecs:') || c.startsWith('iam:'))).toEqual([]);
    expect(await activeRevisions(family)).toHaveLength(1);
  });

  it('a failed item write deregisters the task definition it registered (compensation)', async () => {
    await setup();
    (env.clients.dynamodb.middlewareStack as unknown as { add: (mw: unknown, o: unknown) => void }).add(
      (next: (a: unknown) => Promise<unknown>, context: { commandName?: string }) =>
        async (args: unknown) => {
          if (context.commandName === 'TransactWriteItemsCommand') {
            throw Object.assign(new Error('injected: the table is being deleted'), {
              name: 'ValidationException',
              $metadata: {},
            });
          }
          return next(args);
        },
      { step: 'initialize', name: 'failTransactions' },
    );
    const error = await registry.registerImage({ image: 'alpine:3.21', registeredBy: BY }).catch((e) => e);
    expect(ProviderError.isInstance(error)).toBe(true);
    const family = familyFor(env.options.familyPrefix, await imageIdOf('alpine:3.21'));
    expect(env.clients.counter.calls).toContain('ecs:RegisterTaskDefinitionCommand');
    expect(env.clients.counter.calls).toContain('ecs:DeregisterTaskDefinitionCommand');
    expect(await activeRevisions(family)).toEqual([]);
  });

  it('lookups by name read every page of the index; a name matching several images cannot be removed', async () => {
    await setup();
    // Force one item per page, as a table with many images would have many 1 MB pages.
    (env.clients.dynamodb.middlewareStack as unknown as { add: (mw: unknown, o: unknown) => void }).add(
      (
        next: (a: { input: Record<string, unknown> }) => Promise<unknown>,
        context: { commandName?: string },
      ) =>
        async (args: { input: Record<string, unknown> }) => {
          if (context.commandName === 'QueryCommand' || context.commandName === 'ScanCommand')
            args.input.Limit = 1;
          return next(args);
        },
      { step: 'initialize', name: 'tinyPages' },
    );
    const sizes = [512, 1024, 2048];
    const ids: string[] = [];
    for (const memory of sizes) {
      ids.push(
        (
          await registry.registerImage({
            image: 'busybox:1.36',
            registeredBy: BY,
            isDefault: false,
            resources: { cpu: 256, memory },
          })
        ).imageId,
      );
    }
    const chosen = await registry.setDefaultImage(ids[0]!);
    expect((await registry.getImage('busybox:1.36')).imageId).toBe(chosen.imageId);
    expect((await registry.getImage('docker.io/library/busybox:1.36')).imageId).toBe(chosen.imageId);
    expect((await registry.listImages()).map((i) => i.imageId).sort()).toEqual([...ids].sort());
    const error = await registry.removeImage('busybox:1.36').catch((e) => e);
    expect(ConflictError.isInstance(error)).toBe(true);
    for (const id of ids) expect(error.message).toContain(id);
  });

  it('removeImage deregisters every revision of the family, deleting at most 10 per call', async () => {
    await setup();
    const info = await registry.registerImage({ image: 'alpine:3.19', registeredBy: BY });
    const family = familyFor(env.options.familyPrefix, info.imageId);
    const { taskDefinition } = await env.clients.ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: family }),
    );
    for (let i = 0; i < 12; i++) {
      await env.clients.ecs.send(
        new RegisterTaskDefinitionCommand({
          family,
          networkMode: 'awsvpc',
          requiresCompatibilities: ['FARGATE'],
          cpu: '256',
          memory: '512',
          containerDefinitions: taskDefinition!.containerDefinitions,
          executionRoleArn: taskDefinition!.executionRoleArn,
        }),
      );
    }
    expect(await activeRevisions(family)).toHaveLength(13);
    const batches: number[] = [];
    (env.clients.ecs.middlewareStack as unknown as { add: (mw: unknown, o: unknown) => void }).add(
      (
        next: (a: { input: { taskDefinitions?: string[] } }) => Promise<unknown>,
        context: { commandName?: string },
      ) =>
        async (args: { input: { taskDefinitions?: string[] } }) => {
          if (context.commandName === 'DeleteTaskDefinitionsCommand')
            batches.push(args.input.taskDefinitions!.length);
          return next(args);
        },
      { step: 'initialize', name: 'recordBatches' },
    );
    await registry.removeImage(info.imageId);
    expect(await activeRevisions(family)).toEqual([]);
    expect(batches).toEqual([10, 3]);
    expect(await registry.getDefaultImage()).toBeNull();
  });
});

async function imageIdOf(image: string): Promise<string> {
  const { canonicalImageConfig, computeImageId } = await import('@taskport/core');
  return computeImageId(canonicalImageConfig({ image, registeredBy: BY }));
}
