import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Harness, readSse } from './helpers/harness.js';
import { type Moto, startMoto } from './helpers/moto.js';

/**
 * The same API over the aws provider on every port (ECS, DynamoDB, CloudWatch Logs) against moto. The
 * test plays the ECS agent and awslogs (moto runs no containers): it moves tasks and writes their lines.
 */
let moto: Moto;
let h: Harness;
const ALL_AWS = {
  TASKPORT_TASK_EXECUTOR: 'aws',
  TASKPORT_IMAGE_REGISTRY: 'aws',
  TASKPORT_LOG_AGGREGATOR: 'aws',
  TASKPORT_BACKEND_OBSERVABILITY: 'aws',
  TASKPORT_EXECUTION_STORE: 'aws',
};

beforeAll(async () => {
  moto = await startMoto();
  h = await Harness.start({ overrides: { aws: moto.aws }, extraEnv: ALL_AWS });
  const image = await h.call('POST', '/api/v1/images', {
    body: { image: 'alpine:3.20', isDefault: true, resources: { cpu: 256, memory: 512 } },
  });
  if (image.status !== 201) throw new Error(`registering the image failed: ${JSON.stringify(image.body)}`);
}, 180_000);
afterAll(async () => {
  await h?.close();
  await moto?.stop();
});

describe('the API on the aws provider (moto)', () => {
  it('readiness checks DynamoDB; images are ECS task definitions', async () => {
    const ready = await h.call<{ checks: Record<string, { ok: boolean; provider: string }> }>(
      'GET',
      '/api/v1/health/ready',
    );
    expect(ready.status).toBe(200);
    expect(ready.body.checks.executionStore).toEqual({ ok: true, provider: 'aws' });
    const images = await h.call<{ images: { providerRef: string | null; isDefault: boolean }[] }>(
      'GET',
      '/api/v1/images',
    );
    expect(images.body.images[0]?.providerRef).toMatch(/^arn:aws:ecs:/);
  });

  it('run -> a follower attached over SSE gets every line the task writes and the final status', async () => {
    const run = await h.call<{ execution: { executionId: string; executor: string } }>(
      'POST',
      '/api/v1/run',
      {
        body: { command: ['printf', '%s\\n', 'one', 'two', 'three'] },
      },
    );
    expect(run.status).toBe(202);
    expect(run.body.execution.executor).toBe('aws');
    const id = run.body.execution.executionId;
    const follower = readSse(`${h.url}/api/v1/executions/${id}/logs`, {
      authorization: `Bearer ${h.keys.admin}`,
    });
    await moto.setTaskState(id, { lastStatus: 'RUNNING' });
    await moto.writeLogs(id, ['one', 'two']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await moto.writeLogs(id, ['three']);
    await moto.setTaskState(id, {
      lastStatus: 'STOPPED',
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
      exitCode: 0,
    });
    const { messages } = await follower;
    expect(messages.filter((m) => m.event === 'log').map((m) => JSON.parse(m.data).message)).toEqual([
      'one',
      'two',
      'three',
    ]);
    expect(JSON.parse(messages.at(-1)?.data ?? '{}')).toMatchObject({ status: 'SUCCEEDED', exitCode: 0 });
  });

  it("a developer kills its own ECS task but not another developer's (owner rule on DynamoDB records)", async () => {
    const mine = await h.run('sleep 60', h.keys.developer);
    const theirs = await h.run('sleep 60', h.keys.developer2);
    expect((await h.call('DELETE', `/api/v1/executions/${theirs}`, { key: h.keys.developer })).status).toBe(
      403,
    );
    const killed = await h.call<{ execution: { status: string }; alreadyFinished: boolean }>(
      'DELETE',
      `/api/v1/executions/${mine}`,
      { key: h.keys.developer },
    );
    expect(killed.status).toBe(200);
    expect(killed.body.execution.status).toBe('TERMINATING');
    await moto.setTaskState(mine, {
      lastStatus: 'STOPPED',
      stopCode: 'UserInitiated',
      stoppedReason: 'Task stopped by user',
    });
    const final = await h.call<{ execution: { status: string } }>(
      'GET',
      `/api/v1/executions/${mine}/wait?timeoutSeconds=10`,
      {
        key: h.keys.developer,
      },
    );
    expect(final.body.execution.status).toBe('STOPPED');
    const listed = await h.call<{ executions: { executionId: string }[] }>(
      'GET',
      '/api/v1/executions?limit=100',
      {
        key: h.keys.developer,
      },
    );
    expect(listed.body.executions.map((e) => e.executionId)).toEqual([mine]);
    await moto.setTaskState(theirs, {
      lastStatus: 'STOPPED',
      stopCode: 'EssentialContainerExited',
      exitCode: 0,
    });
  });

  it('a bad Fargate size is a 400 naming the pair, before any AWS call creates anything', async () => {
    const r = await h.call<{ error: { code: string; message: string } }>('POST', '/api/v1/images', {
      body: { image: 'alpine:3.21', resources: { cpu: 256, memory: 4096 } },
    });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('VALIDATION');
    expect(r.body.error.message).not.toMatch(/\[aws\]/);
  });
});
