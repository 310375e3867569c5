import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import { awsClients, ensureAwsResources, parseAwsOptions } from '@taskport/aws';
import { type Execution, isFinalStatus, type OrchestratorService } from '@taskport/core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CloudRunDriver, REGION, randomName } from './support/fake.js';

/*
 * The seeds' own mix through the composition root (@taskport/container's createTaskport), as a deployment
 * composes it: tasks on Cloud Run (the fake), images registered in AWS (moto, started here), execution
 * history in the local SQLite store, task logs and `trace` on Cloud Logging.
 *
 * @taskport/container does not list @taskport/gcp-cloudrun among its dependencies yet, so the provider is
 * named by the path of its build (a package specifier, which the container loads like a built-in name).
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const GCP = join(ROOT, 'packages/providers/gcp-cloudrun/dist/index.js');
const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

interface Taskport {
  service: OrchestratorService;
  close(): Promise<void>;
}
type CreateTaskport = (options: {
  env?: Record<string, string | undefined>;
  cwd?: string;
  overrides?: Record<string, Record<string, unknown>>;
}) => Promise<Taskport>;

let moto: ChildProcess | undefined;
let motoEndpoint = '';
let createTaskport: CreateTaskport;

function build(pkg: string): void {
  if (existsSync(join(ROOT, pkg, 'dist/index.js'))) return;
  const tsc = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, pkg, 'tsconfig.build.json')],
    { stdio: 'inherit' },
  );
  if (tsc.status !== 0) throw new Error(`building ${pkg} failed`);
}

beforeAll(async () => {
  for (const pkg of [
    'packages/core',
    'packages/provider-utils',
    'packages/providers/local',
    'packages/providers/aws',
    'packages/providers/gcp-cloudrun',
    'packages/container',
  ]) {
    build(pkg);
  }
  // moto, from the venv tooling/moto/ensure-moto.sh makes (pip install, cached); stopped by pid in afterAll.
  const ensure = spawnSync('bash', [join(ROOT, 'tooling/moto/ensure-moto.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const python = ensure.stdout.trim().split('\n').pop() ?? '';
  if (ensure.status !== 0 || !existsSync(python)) {
    throw new Error(
      'tooling/moto/ensure-moto.sh failed: it installs moto from PyPI into .toolchain/moto-venv',
    );
  }
  motoEndpoint = await new Promise<string>((resolveEndpoint, reject) => {
    const child = spawn(python, [join(ROOT, 'tooling/moto/launcher.py'), '--port', '0'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    moto = child;
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /READY (\d+)/.exec(out);
      if (match) resolveEndpoint(`http://127.0.0.1:${match[1]}`);
    });
    child.on('exit', (code) => reject(new Error(`moto exited with ${code}`)));
  });
  const container = (await import(pathToFileURL(join(ROOT, 'packages/container/dist/index.js')).href)) as {
    createTaskport: CreateTaskport;
  };
  createTaskport = container.createTaskport;
}, 300_000);

afterAll(() => {
  if (moto?.pid !== undefined && moto.exitCode === null) {
    moto.removeAllListeners('exit');
    process.kill(moto.pid, 'SIGTERM');
  }
});

async function waitForFinal(service: OrchestratorService, executionId: string): Promise<Execution> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const execution = await service.getExecutionStatus(executionId);
    if (isFinalStatus(execution.status)) return execution;
    if (Date.now() > deadline) throw new Error(`execution ${executionId} still ${execution.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('provider mix through @taskport/container', () => {
  it('executor and logs on Cloud Run, images on AWS, history local', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'taskport-gcp-mix-'));
    const id = randomName('mix');
    const role = await awsClients(
      parseAwsOptions({ region: 'us-east-1', endpoint: motoEndpoint, credentials: CREDENTIALS }),
    ).iam.send(
      new CreateRoleCommand({
        RoleName: `taskport-execution-${id}`,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' },
          ],
        }),
      }),
    );
    const executionRoleArn = role.Role!.Arn!;
    const aws = parseAwsOptions({
      region: 'us-east-1',
      endpoint: motoEndpoint,
      credentials: CREDENTIALS,
      imagesTable: `taskport-images-${id}`,
      executionsTable: `taskport-executions-${id}`,
      cluster: `taskport-${id}`,
      defaultExecutionRoleArn: executionRoleArn,
    });
    await ensureAwsResources(aws);
    const taskport = await createTaskport({
      env: {
        HOME: dataDir,
        PATH: process.env.PATH,
        TASKPORT_TASK_EXECUTOR: GCP,
        TASKPORT_IMAGE_REGISTRY: 'aws',
        TASKPORT_LOG_AGGREGATOR: GCP,
        TASKPORT_BACKEND_OBSERVABILITY: GCP,
        TASKPORT_EXECUTION_STORE: 'local',
      },
      cwd: dataDir,
      overrides: {
        local: { dataDir },
        aws: {
          region: aws.region,
          endpoint: motoEndpoint,
          credentials: CREDENTIALS,
          imagesTable: aws.imagesTable,
          executionsTable: aws.executionsTable,
          defaultExecutionRoleArn: executionRoleArn,
        },
        [GCP]: { project: id, region: REGION, endpoint: inject('gcpEndpoint'), logIngestionDelayMs: 400 },
      },
    });
    try {
      const { service } = taskport;
      expect(service.taskExecutor().provider).toBe('gcp-cloudrun');
      expect(service.imageRegistry().provider).toBe('aws');
      expect(service.executionStore().provider).toBe('local');
      expect(service.logAggregator().provider).toBe('gcp-cloudrun');

      // Registered in AWS (DynamoDB + an ECS task definition), run on Cloud Run from the resolved ImageInfo.
      const image = await service.registerImage({
        image: 'alpine:3.20',
        resources: { cpu: 1024, memory: 2048 },
        registeredBy: 'mix@taskport.test',
      });
      expect(image.providerRef).toMatch(/^arn:aws:ecs:/);
      const run = await service.runCommand('mix@taskport.test', {
        command: ['printf', '%s\n', 'mixed', 'providers'],
      });
      expect(run.execution).toMatchObject({ executor: 'gcp-cloudrun', imageId: image.imageId });
      expect(run.execution.executionId).toMatch(new RegExp(`^projects/${id}/locations/${REGION}/jobs/`));
      await new CloudRunDriver().play(run.execution.executionId, { kind: 'printArgs', args: [] });
      expect(await waitForFinal(service, run.execution.executionId)).toMatchObject({
        status: 'SUCCEEDED',
        exitCode: 0,
      });
      await expect
        .poll(async () => (await service.getLogs(run.execution.executionId)).events.map((e) => e.message), {
          timeout: 10_000,
        })
        .toEqual(['mixed', 'providers']);

      // Kill on Cloud Run: the local record reaches STOPPED, never SUCCEEDED.
      const second = await service.runCommand('mix@taskport.test', { command: 'sleep 600' });
      await new CloudRunDriver().play(second.execution.executionId, { kind: 'sleep', seconds: 600 });
      const killed = await service.killExecution(second.execution.executionId);
      expect(killed.alreadyFinished).toBe(false);
      expect(await waitForFinal(service, second.execution.executionId)).toMatchObject({
        status: 'STOPPED',
        stopCode: 'USER_INITIATED',
      });
      expect((await service.listExecutions()).items.map((e) => e.executionId)).toEqual([
        second.execution.executionId,
        run.execution.executionId,
      ]);

      // `taskport trace`: the Service's own lines went to Cloud Logging through the gcp backend logger.
      await expect
        .poll(async () => (await service.trace(run.requestId)).logs.length, { timeout: 10_000 })
        .toBeGreaterThan(0);
    } finally {
      await taskport.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
