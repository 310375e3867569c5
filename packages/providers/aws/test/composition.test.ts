import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeTasksCommand } from '@aws-sdk/client-ecs';
import { type Execution, isFinalStatus, type OrchestratorService } from '@taskport/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AwsImageRegistry } from '../src/index.js';
import { CREDENTIALS, type MotoEnvironment, motoEnvironment, REGION, setTaskState } from './support/moto.js';

/*
 * Mixes providers through the composition root, @taskport/container (createTaskport), as a deployment does.
 * @taskport/container depends on this package (it loads providers by name), so it is imported from its
 * build output instead of being declared as a dependency here (that would be a package cycle).
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

interface Taskport {
  service: OrchestratorService;
  close(): Promise<void>;
}
type CreateTaskport = (options: {
  configPath?: string;
  env?: Record<string, string | undefined>;
  cwd?: string;
  overrides?: Record<string, Record<string, unknown>>;
}) => Promise<Taskport>;

let createTaskport: CreateTaskport;

beforeAll(() => {
  // Build what the composition root loads, when the workspace build has not done it yet.
  for (const pkg of ['packages/core', 'packages/providers/local', 'packages/container']) {
    if (existsSync(join(ROOT, pkg, 'dist/index.js'))) continue;
    const tsc = spawnSync(
      process.execPath,
      [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, pkg, 'tsconfig.build.json')],
      {
        stdio: 'inherit',
      },
    );
    if (tsc.status !== 0) throw new Error(`building ${pkg} failed`);
  }
}, 120_000);

beforeAll(async () => {
  const container = (await import(pathToFileURL(join(ROOT, 'packages/container/dist/index.js')).href)) as {
    createTaskport: CreateTaskport;
  };
  createTaskport = container.createTaskport;
});

async function waitForFinal(
  service: OrchestratorService,
  executionId: string,
  timeoutMs = 20_000,
): Promise<Execution> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const execution = await service.getExecutionStatus(executionId);
    if (isFinalStatus(execution.status)) return execution;
    if (Date.now() > deadline) throw new Error(`execution ${executionId} still ${execution.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('provider mix through @taskport/container', () => {
  let env: MotoEnvironment;
  let dataDir: string;
  let taskport: Taskport | undefined;
  afterEach(async () => {
    await taskport?.close();
    taskport = undefined;
    await env?.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const compose = async (providers: Record<string, string>) => {
    env = await motoEnvironment();
    dataDir = mkdtempSync(join(tmpdir(), 'taskport-mix-'));
    const { options } = env;
    const processEnv: Record<string, string> = { HOME: dataDir, PATH: process.env.PATH ?? '' };
    for (const [port, provider] of Object.entries(providers)) {
      processEnv[`TASKPORT_${port.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`] = provider;
    }
    taskport = await createTaskport({
      env: processEnv,
      cwd: dataDir,
      overrides: {
        local: { dataDir },
        aws: {
          region: REGION,
          endpoint: options.endpoint,
          credentials: { ...CREDENTIALS },
          cluster: options.cluster,
          subnets: options.subnets,
          securityGroups: options.securityGroups,
          defaultExecutionRoleArn: options.defaultExecutionRoleArn,
          logGroup: options.logGroup,
          backendLogGroups: options.backendLogGroups,
          imagesTable: options.imagesTable,
          executionsTable: options.executionsTable,
          familyPrefix: options.familyPrefix,
        },
      },
    });
    return taskport.service;
  };

  it('executor local + image registry and execution store on AWS', async () => {
    const service = await compose({
      taskExecutor: 'local',
      imageRegistry: 'aws',
      executionStore: 'aws',
      logAggregator: 'local',
      backendObservability: 'local',
    });
    expect(service.imageRegistry().provider).toBe('aws');
    expect(service.executionStore().provider).toBe('aws');
    expect(service.taskExecutor().provider).toBe('local');

    const image = await service.registerImage({ image: 'alpine:3.20', registeredBy: 'mix@taskport.test' });
    // The image is a real AWS artefact (DynamoDB item + ECS task definition), run by the local executor.
    expect(image.providerRef).toMatch(/^arn:aws:ecs:/);
    expect(await new AwsImageRegistry(env.options, env.clients).getDefaultImage()).toMatchObject({
      imageId: image.imageId,
    });

    const { execution } = await service.runCommand('mix@taskport.test', {
      command: 'echo mixed-$((6*7)); exit 3',
    });
    expect(execution.imageId).toBe(image.imageId);
    const final = await waitForFinal(service, execution.executionId);
    expect(final).toMatchObject({ status: 'FAILED', exitCode: 3, executor: 'local' });
    const stored = await env.clients.dynamodb.send(
      new GetItemCommand({
        TableName: env.options.executionsTable,
        Key: { executionId: { S: execution.executionId } },
        ConsistentRead: true,
      }),
    );
    expect(stored.Item?.status?.S).toBe('FAILED');
    expect(stored.Item?.exitCode?.N).toBe('3');
    const { events } = await service.getLogs(execution.executionId);
    expect(events.map((e) => e.message)).toContain('mixed-42');
  });

  it('executor AWS + image registry and execution store local', async () => {
    const service = await compose({
      taskExecutor: 'aws',
      imageRegistry: 'local',
      executionStore: 'local',
      logAggregator: 'aws',
      backendObservability: 'local',
    });
    const image = await service.registerImage({
      image: 'busybox:1.36',
      registeredBy: 'mix@taskport.test',
      resources: { cpu: 512, memory: 1024 },
    });
    expect(image.providerRef ?? '').not.toMatch(/^arn:aws:/);

    const { execution } = await service.runCommand('mix@taskport.test', {
      command: ['echo', 'from', 'fargate'],
      env: { STAGE: 'test' },
    });
    expect(execution.executor).toBe('aws');
    const { tasks } = await env.clients.ecs.send(
      new DescribeTasksCommand({ cluster: env.options.cluster, tasks: [execution.executionId] }),
    );
    expect(tasks![0]!.overrides!.containerOverrides![0]).toMatchObject({
      command: ['echo', 'from', 'fargate'],
      environment: [{ name: 'STAGE', value: 'test' }],
    });

    // The ECS runtime (played by the launcher) runs and ends the task; the local store converges to it.
    await setTaskState(execution.executionId, { lastStatus: 'RUNNING' });
    expect((await service.getExecutionStatus(execution.executionId)).status).toBe('RUNNING');
    await setTaskState(execution.executionId, {
      lastStatus: 'STOPPED',
      stopCode: 'EssentialContainerExited',
      exitCode: 0,
    });
    expect(await waitForFinal(service, execution.executionId)).toMatchObject({
      status: 'SUCCEEDED',
      exitCode: 0,
      stopCode: 'EXITED',
    });

    const second = await service.runCommand('mix@taskport.test', { command: 'sleep 600' });
    const killed = await service.killExecution(second.execution.executionId);
    expect(killed.alreadyFinished).toBe(false);
    expect(await waitForFinal(service, second.execution.executionId)).toMatchObject({
      status: 'STOPPED',
      stopCode: 'USER_INITIATED',
    });
    expect((await service.listExecutions()).items.map((e) => e.executionId)).toEqual([
      second.execution.executionId,
      execution.executionId,
    ]);
  });
});
