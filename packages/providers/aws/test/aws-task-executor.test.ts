import {
  DeregisterTaskDefinitionCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
} from '@aws-sdk/client-ecs';
import {
  ConfigurationError,
  ConflictError,
  NotFoundError,
  type TaskStartRequest,
  ValidationError,
} from '@taskport/core';
import { afterEach, describe, expect, it } from 'vitest';
import { AwsImageRegistry, AwsTaskExecutor, familyFor } from '../src/index.js';
import { foreignImage } from './support/images.js';
import { type MotoEnvironment, motoEnvironment, setTaskState } from './support/moto.js';

const USER = 'dev@taskport.test';

function request(overrides: Partial<TaskStartRequest> = {}): TaskStartRequest {
  return {
    command: 'echo hi',
    image: foreignImage(),
    env: {},
    secrets: {},
    labels: {},
    requestId: 'req-test',
    ...overrides,
  };
}

describe('AwsTaskExecutor (moto)', () => {
  let env: MotoEnvironment;
  let executor: AwsTaskExecutor;
  const setup = async (overrides = {}) => {
    env = await motoEnvironment(overrides);
    executor = new AwsTaskExecutor(env.options, env.clients);
    return executor;
  };
  afterEach(async () => {
    executor?.close();
    await env?.cleanup();
  });

  const describeRaw = async (executionId: string) =>
    (
      await env.clients.ecs.send(
        new DescribeTasksCommand({ cluster: env.options.cluster, tasks: [executionId], include: ['TAGS'] }),
      )
    ).tasks![0]!;

  it('a cold start registers the task definition once; every warm start is exactly one RunTask call', async () => {
    await setup();
    const image = foreignImage({
      image: 'ghcr.io/acme/tool:1.2',
      resources: { cpu: 512, memory: 2048 },
      runtime: { platform: 'arm64' },
    });
    await executor.startTask(USER, request({ image }));
    expect(env.clients.counter.calls).toEqual([
      'ecs:DescribeTaskDefinitionCommand',
      'ecs:RegisterTaskDefinitionCommand',
      'ecs:RunTaskCommand',
    ]);
    for (let i = 0; i < 3; i++) {
      env.clients.counter.reset();
      await executor.startTask(USER, request({ image, command: ['echo', String(i)] }));
      expect(env.clients.counter.calls).toEqual(['ecs:RunTaskCommand']);
    }
    // A new process finds the registered revision by its deterministic family instead of registering again.
    const second = new AwsTaskExecutor(env.options, env.clients);
    env.clients.counter.reset();
    await second.startTask(USER, request({ image }));
    expect(env.clients.counter.calls).toEqual(['ecs:DescribeTaskDefinitionCommand', 'ecs:RunTaskCommand']);

    const family = `${env.options.familyPrefix}-ghcr-io-acme-tool-1-2-${image.imageId.slice(-8)}`;
    const { taskDefinition } = await env.clients.ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: family }),
    );
    expect(taskDefinition).toMatchObject({
      cpu: '512',
      memory: '2048',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: 'ARM64' },
      executionRoleArn: env.options.defaultExecutionRoleArn,
    });
    expect(taskDefinition!.containerDefinitions![0]).toMatchObject({
      name: 'main',
      image: 'ghcr.io/acme/tool:1.2',
      logConfiguration: {
        logDriver: 'awslogs',
        options: {
          'awslogs-group': env.options.logGroup,
          'awslogs-stream-prefix': 'taskport',
          'awslogs-region': 'us-east-1',
        },
      },
    });
  });

  it('a cached task definition deregistered out of band is looked up again and re-registered', async () => {
    await setup();
    const first = await executor.startTask(USER, request());
    const arn = (await describeRaw(first.executionId)).taskDefinitionArn!;
    await env.clients.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: arn }));
    env.clients.counter.reset();
    const second = await executor.startTask(USER, request());
    const used = (await describeRaw(second.executionId)).taskDefinitionArn!;
    expect(used).not.toBe(arn);
    expect(env.clients.counter.calls).toContain('ecs:RegisterTaskDefinitionCommand');
  });

  it('an image registered by AwsImageRegistry starts with one RunTask call in a new process; a revision deregistered since is replaced', async () => {
    await setup();
    const image = await new AwsImageRegistry(env.options, env.clients).registerImage({
      image: 'alpine:3.20',
      registeredBy: USER,
    });
    env.clients.counter.reset();
    const started = await executor.startTask(USER, request({ image }));
    expect(env.clients.counter.calls).toEqual(['ecs:RunTaskCommand']);
    expect((await describeRaw(started.executionId)).taskDefinitionArn).toBe(image.providerRef);

    await env.clients.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: image.providerRef }));
    const fresh = new AwsTaskExecutor(env.options, env.clients);
    env.clients.counter.reset();
    const again = await fresh.startTask(USER, request({ image }));
    fresh.close();
    expect(env.clients.counter.calls).toEqual([
      'ecs:RunTaskCommand',
      'ecs:DescribeTaskDefinitionCommand',
      'ecs:RegisterTaskDefinitionCommand',
      'ecs:RunTaskCommand',
    ]);
    expect((await describeRaw(again.executionId)).taskDefinitionArn).not.toBe(image.providerRef);
  });

  it('a providerRef that is not a revision of its own family here is not trusted: the family is looked up', async () => {
    await setup();
    const image = foreignImage();
    const family = familyFor(env.options.familyPrefix, image.imageId);
    for (const providerRef of [
      `arn:aws:ecs:eu-west-1:123456789012:task-definition/${family}:1`,
      'arn:aws:ecs:us-east-1:123456789012:task-definition/someone-else:1',
      'projects/acme/locations/europe-west1/jobs/tool',
    ]) {
      const cold = new AwsTaskExecutor(env.options, env.clients);
      env.clients.counter.reset();
      await cold.startTask(USER, request({ image: { ...image, providerRef } }));
      cold.close();
      expect(env.clients.counter.calls[0], providerRef).toBe('ecs:DescribeTaskDefinitionCommand');
    }
  });

  it('the command reaches the container as argv data, with env, labels as tags and startedBy', async () => {
    await setup();
    const nasty = `echo "$(id)" 'quoted' ; exit 3`;
    const { executionId, createdAt } = await executor.startTask(
      USER,
      request({
        command: nasty,
        env: { GREETING: 'hello world', EMPTY: '' },
        labels: { team: 'data', 'cost-center': 'c42' },
        requestId: 'req-abc',
      }),
    );
    expect(createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    const task = await describeRaw(executionId);
    expect(task.startedBy).toBe('taskport');
    const override = task.overrides!.containerOverrides![0]!;
    expect(override.name).toBe('main');
    expect(override.command).toEqual(['/bin/sh', '-c', nasty]);
    expect(override.environment).toEqual([
      { name: 'GREETING', value: 'hello world' },
      { name: 'EMPTY', value: '' },
    ]);
    const tags = Object.fromEntries(task.tags!.map((t) => [t.key, t.value]));
    expect(tags).toMatchObject({
      team: 'data',
      'cost-center': 'c42',
      'taskport:requestId': 'req-abc',
      'taskport:user': USER,
    });

    const argv = await executor.startTask(USER, request({ command: ['python', '-c', 'print("x y")'] }));
    expect((await describeRaw(argv.executionId)).overrides!.containerOverrides![0]!.command).toEqual([
      'python',
      '-c',
      'print("x y")',
    ]);
  });

  it('secrets given as Secrets Manager / SSM ARNs go through the task definition, never the overrides', async () => {
    await setup({ plainSecrets: 'unsafe-environment' });
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-password-AbCdEf';
    const { executionId } = await executor.startTask(
      USER,
      request({ secrets: { DB_PASSWORD: arn, API_TOKEN: 'plain-value' } }),
    );
    const task = await describeRaw(executionId);
    const environment = task.overrides!.containerOverrides![0]!.environment!;
    expect(environment.map((e) => e.name)).toEqual(['API_TOKEN']);
    expect(JSON.stringify(task.overrides)).not.toContain(arn);
    const { taskDefinition } = await env.clients.ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: task.taskDefinitionArn! }),
    );
    expect(taskDefinition!.containerDefinitions![0]!.secrets).toEqual([
      { name: 'DB_PASSWORD', valueFrom: arn },
    ]);
  });

  it('by default a secret value that is not an ARN is refused, saying how to pass a reference, without any AWS call', async () => {
    await setup();
    const error = await executor
      .startTask(USER, request({ secrets: { TOKEN: 's3cr3t-value' } }))
      .catch((e) => e);
    expect(ValidationError.isInstance(error)).toBe(true);
    expect(error.message).toContain('TOKEN');
    expect(error.message).toMatch(/Secrets Manager.*ARN/);
    expect(error.message).toContain('aws.plainSecrets: unsafe-environment');
    expect(error.message).not.toContain('s3cr3t-value');
    expect(env.clients.counter.count()).toBe(0);
  });

  it('plainSecrets "unsafe-environment" (or its old name "environment") passes plain values as environment', async () => {
    for (const mode of ['unsafe-environment', 'environment'] as const) {
      await setup({ plainSecrets: mode });
      expect(env.options.plainSecrets).toBe('unsafe-environment');
      const { executionId } = await executor.startTask(USER, request({ secrets: { TOKEN: 'v' } }));
      const task = await describeRaw(executionId);
      expect(task.overrides!.containerOverrides![0]!.environment).toEqual([{ name: 'TOKEN', value: 'v' }]);
      executor.close();
      await env.cleanup();
    }
  });

  it.each([
    ['a cpu that is no Fargate size', { image: foreignImage({ resources: { cpu: 300, memory: 512 } }) }],
    [
      'a memory that does not fit the cpu',
      { image: foreignImage({ resources: { cpu: 256, memory: 4096 } }) },
    ],
    ['overrides over 8192 characters', { env: { BIG: 'x'.repeat(9000) } }],
    ['a label that is not an ECS tag', { labels: { team: 'a,b;c' } }],
    ['a label key with the reserved aws: prefix', { labels: { 'aws:owner': 'x' } }],
    ['an empty command', { command: '  ' }],
    ['a bad env name', { env: { '1BAD': 'x' } }],
    ['a timeout over 7 days', { timeoutSeconds: 8 * 24 * 3600 }],
    ['a bad idempotency key', { idempotencyKey: 'has space' }],
  ])('startTask with %s throws ValidationError and makes no AWS call', async (_name, overrides) => {
    await setup();
    const error = await executor
      .startTask(USER, request(overrides as Partial<TaskStartRequest>))
      .catch((e) => e);
    expect(ValidationError.isInstance(error), String(error)).toBe(true);
    expect(error.message).toMatch(/^\[aws\] TaskExecutor\.startTask: /);
    expect(env.clients.counter.count()).toBe(0);
  });

  it('a secret that makes the overrides too large is refused without echoing its value', async () => {
    await setup({ plainSecrets: 'unsafe-environment' });
    const secret = `tok-${'S'.repeat(9000)}`;
    const error = await executor.startTask(USER, request({ secrets: { API_TOKEN: secret } })).catch((e) => e);
    expect(ValidationError.isInstance(error)).toBe(true);
    expect(JSON.stringify({ message: error.message, details: error.details })).not.toContain('SSSSSSSS');
    expect(env.clients.counter.count()).toBe(0);
  });

  it('startTask without subnets throws ConfigurationError naming aws.subnets, with no AWS call', async () => {
    await setup({ subnets: [] });
    const error = await executor.startTask(USER, request()).catch((e) => e);
    expect(ConfigurationError.isInstance(error)).toBe(true);
    expect(error.message).toContain('aws.subnets');
    expect(env.clients.counter.count()).toBe(0);
  });

  it('the same idempotency key gives the same task through RunTask clientToken', async () => {
    await setup();
    const first = await executor.startTask(USER, request({ idempotencyKey: 'deploy-42' }));
    const again = await new AwsTaskExecutor(env.options, env.clients).startTask(
      USER,
      request({ idempotencyKey: 'deploy-42' }),
    );
    const other = await executor.startTask(USER, request({ idempotencyKey: 'deploy-43' }));
    expect(again.executionId).toBe(first.executionId);
    expect(other.executionId).not.toBe(first.executionId);
  });

  it('describeTask maps the ECS lifecycle, stop codes and exit codes to the domain', async () => {
    await setup();
    const start = async () => (await executor.startTask(USER, request())).executionId;

    const provisioning = await start();
    expect(await executor.describeTask(provisioning)).toMatchObject({ status: 'STARTING', exitCode: null });
    await setTaskState(provisioning, { lastStatus: 'PENDING' });
    expect((await executor.describeTask(provisioning)).status).toBe('STARTING');
    await setTaskState(provisioning, { lastStatus: 'RUNNING' });
    const running = await executor.describeTask(provisioning);
    expect(running).toMatchObject({ status: 'RUNNING', exitCode: null });
    expect(running.startedAt).toBeDefined();

    const ok = await start();
    await setTaskState(ok, {
      lastStatus: 'STOPPED',
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
      exitCode: 0,
    });
    expect(await executor.describeTask(ok)).toMatchObject({
      status: 'SUCCEEDED',
      exitCode: 0,
      stopCode: 'EXITED',
    });

    const failed = await start();
    await setTaskState(failed, { lastStatus: 'STOPPED', stopCode: 'EssentialContainerExited', exitCode: 7 });
    expect(await executor.describeTask(failed)).toMatchObject({
      status: 'FAILED',
      exitCode: 7,
      stopCode: 'EXITED',
    });

    const neverStarted = await start();
    await setTaskState(neverStarted, {
      lastStatus: 'STOPPED',
      stopCode: 'TaskFailedToStart',
      stoppedReason: 'CannotPullContainerError: pull image manifest has been retried 5 time(s)',
      exitCode: 0,
    });
    const description = await executor.describeTask(neverStarted);
    expect(description).toMatchObject({ status: 'FAILED', stopCode: 'FAILED_TO_START' });
    expect(description.reason).toContain('CannotPullContainerError');

    const spot = await start();
    await setTaskState(spot, {
      lastStatus: 'STOPPED',
      stopCode: 'SpotInterruption',
      stoppedReason: 'Your Spot Task was interrupted.',
    });
    expect(await executor.describeTask(spot)).toMatchObject({
      status: 'FAILED',
      stopCode: 'RUNTIME_LOST',
      exitCode: null,
    });

    const noExit = await start();
    await setTaskState(noExit, { lastStatus: 'STOPPED' });
    expect(await executor.describeTask(noExit)).toMatchObject({ status: 'FAILED', exitCode: null });
  });

  it('killTask works while PROVISIONING, PENDING and RUNNING and the task reads STOPPED; a finished task is a ConflictError', async () => {
    await setup();
    for (const state of ['PROVISIONING', 'PENDING', 'RUNNING']) {
      const { executionId } = await executor.startTask(USER, request());
      if (state !== 'PROVISIONING') await setTaskState(executionId, { lastStatus: state });
      await executor.killTask(executionId);
      const raw = await describeRaw(executionId);
      expect(raw.stoppedReason).toBe('taskport: stopped on request');
      expect(await executor.describeTask(executionId)).toMatchObject({
        status: 'STOPPED',
        stopCode: 'USER_INITIATED',
      });
      const error = await executor.killTask(executionId).catch((e) => e);
      expect(ConflictError.isInstance(error)).toBe(true);
    }
  });

  it('killTask and describeTask of an unknown task throw NotFoundError (ids match exactly)', async () => {
    await setup();
    const { executionId } = await executor.startTask(USER, request());
    for (const id of [
      '0123456789abcdef0123456789abcdef',
      `${executionId}0`,
      executionId.slice(0, 8),
      'no/such/thing',
    ]) {
      expect(NotFoundError.isInstance(await executor.describeTask(id).catch((e) => e))).toBe(true);
      expect(NotFoundError.isInstance(await executor.killTask(id).catch((e) => e))).toBe(true);
    }
  });

  it('timeoutSeconds: the in-process watchdog stops an overdue task with a TIMED_OUT reason', async () => {
    await setup();
    const { executionId } = await executor.startTask(USER, request({ timeoutSeconds: 1 }));
    await setTaskState(executionId, { lastStatus: 'RUNNING' });
    const deadline = Date.now() + 5000;
    let raw = await describeRaw(executionId);
    while (raw.lastStatus !== 'STOPPED' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      raw = await describeRaw(executionId);
    }
    expect(raw.lastStatus).toBe('STOPPED');
    expect(raw.stoppedReason).toMatch(/^taskport: timed out after 1s/);
    expect(await executor.describeTask(executionId)).toMatchObject({
      status: 'FAILED',
      stopCode: 'TIMED_OUT',
    });
  });

  it('timeoutSeconds without the watchdog: describeTask and sweepExpiredTasks enforce the deadline tag', async () => {
    await setup({ timeoutWatchdog: false });
    const a = await executor.startTask(USER, request({ timeoutSeconds: 1 }));
    const b = await executor.startTask(USER, request({ timeoutSeconds: 1 }));
    const c = await executor.startTask(USER, request({ timeoutSeconds: 3600 }));
    for (const t of [a, b, c]) await setTaskState(t.executionId, { lastStatus: 'RUNNING' });
    expect((await executor.describeTask(a.executionId)).status).toBe('RUNNING');
    await new Promise((r) => setTimeout(r, 1100));
    expect((await describeRaw(a.executionId)).lastStatus).toBe('RUNNING');
    expect(await executor.describeTask(a.executionId)).toMatchObject({
      status: 'FAILED',
      stopCode: 'TIMED_OUT',
    });
    const swept = await executor.sweepExpiredTasks();
    expect(swept).toEqual([b.executionId]);
    expect((await describeRaw(b.executionId)).stoppedReason).toMatch(/^taskport: timed out/);
    expect((await describeRaw(c.executionId)).lastStatus).toBe('RUNNING');
  });
});

describe('AwsTaskExecutor.describeTasks (moto)', () => {
  let env: MotoEnvironment;
  let executor: AwsTaskExecutor;
  afterEach(async () => {
    executor?.close();
    await env?.cleanup();
  });

  it('describes 120 tasks in two DescribeTasks calls (ECS takes 100 ids), agreeing with describeTask', async () => {
    env = await motoEnvironment();
    executor = new AwsTaskExecutor(env.options, env.clients);
    const ids: string[] = [];
    for (let i = 0; i < 120; i++) ids.push((await executor.startTask(USER, request())).executionId);
    await setTaskState(ids[0]!, { lastStatus: 'STOPPED', stopCode: 'EssentialContainerExited', exitCode: 3 });
    await setTaskState(ids[1]!, { lastStatus: 'RUNNING' });
    env.clients.counter.reset();
    const batch = await executor.describeTasks([...ids, 'not/a task', 'deadbeefdeadbeefdeadbeefdeadbeef']);
    expect(env.clients.counter.calls).toEqual(['ecs:DescribeTasksCommand', 'ecs:DescribeTasksCommand']);
    expect(batch.size).toBe(120);
    expect(batch.get(ids[0]!)).toMatchObject({ status: 'FAILED', exitCode: 3, stopCode: 'EXITED' });
    expect(batch.get(ids[1]!)?.status).toBe('RUNNING');
    expect(batch.get(ids[0]!)).toEqual(await executor.describeTask(ids[0]!));
    env.clients.counter.reset();
    expect((await executor.describeTasks([])).size).toBe(0);
    expect(env.clients.counter.count()).toBe(0);
  });
});
