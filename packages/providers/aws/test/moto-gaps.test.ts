import { CreateSubnetCommand, CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  DescribeTasksCommand,
  ListTaskDefinitionsCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
} from '@aws-sdk/client-ecs';
import { afterEach, describe, expect, it } from 'vitest';
import { AwsTaskExecutor } from '../src/index.js';
import { foreignImage } from './support/images.js';
import { CREDENTIALS, type MotoEnvironment, motoEndpoint, motoEnvironment, REGION } from './support/moto.js';

/*
 * Where moto 5.2.5 is weaker than AWS. Each test pins the gap on the raw API (so an upgrade that closes it shows
 * up here) and says how the adapter stays correct on AWS without being bent to moto.
 */
describe('named moto gaps', () => {
  let env: MotoEnvironment;
  afterEach(async () => env?.cleanup());

  const startOne = async () => {
    const executor = new AwsTaskExecutor(env.options, env.clients);
    const { executionId } = await executor.startTask('gaps@taskport.test', {
      command: 'true',
      image: foreignImage(),
      env: {},
      secrets: {},
      labels: {},
      requestId: 'req-gaps',
    });
    executor.close();
    return executionId;
  };

  it('gap: DescribeTasks returns a task for any id that contains its id and never reports MISSING (the adapter matches exactly)', async () => {
    env = await motoEnvironment();
    const id = await startOne();
    const raw = await env.clients.ecs.send(
      new DescribeTasksCommand({ cluster: env.options.cluster, tasks: [`${id}0`] }),
    );
    // AWS would answer failures: [{ reason: 'MISSING' }] and no task.
    expect(raw.tasks).toHaveLength(1);
    expect(raw.failures).toEqual([]);
  });

  it('gap: StopTask on an unknown task is an HTTP 500 (the adapter always DescribeTasks first)', async () => {
    env = await motoEnvironment();
    await startOne();
    const error = await env.clients.ecs
      .send(new StopTaskCommand({ cluster: env.options.cluster, task: '0123456789abcdef0123456789abcdef' }))
      .catch((e) => e);
    // AWS answers InvalidParameterException "The referenced task was not found".
    expect(error.$metadata?.httpStatusCode).toBe(500);
  });

  it('gap: ListTaskDefinitions treats familyPrefix as an exact family (AWS: a prefix)', async () => {
    env = await motoEnvironment();
    const definition = {
      networkMode: 'awsvpc' as const,
      requiresCompatibilities: ['FARGATE' as const],
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'main', image: 'alpine' }],
    };
    const family = `${env.options.familyPrefix}-gap`;
    await env.clients.ecs.send(new RegisterTaskDefinitionCommand({ family, ...definition }));
    await env.clients.ecs.send(
      new RegisterTaskDefinitionCommand({ family: `${family}-s0123abcd`, ...definition }),
    );
    const listed = await env.clients.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family }));
    // On AWS both families are listed, so removeImage also removes the secret-ARN variants; moto proves only the base.
    expect(listed.taskDefinitionArns).toHaveLength(1);
  });

  it('closed by the launcher: RunTask honours clientToken as ECS documents', async () => {
    env = await motoEnvironment();
    const executor = new AwsTaskExecutor(env.options, env.clients);
    const first = await executor.startTask('gaps@taskport.test', {
      command: 'true',
      image: foreignImage(),
      env: {},
      secrets: {},
      labels: {},
      requestId: 'req-gaps',
      idempotencyKey: 'same-key',
    });
    executor.close();
    const tasks = await env.clients.ecs.send(
      new DescribeTasksCommand({ cluster: env.options.cluster, tasks: [first.executionId] }),
    );
    const again = await env.clients.ecs.send(
      new RunTaskCommand({
        cluster: env.options.cluster,
        taskDefinition: tasks.tasks![0]!.taskDefinitionArn,
        launchType: 'FARGATE',
        clientToken: 'raw-token',
        networkConfiguration: {
          awsvpcConfiguration: { subnets: env.options.subnets, securityGroups: env.options.securityGroups },
        },
      }),
    );
    const repeat = await env.clients.ecs.send(
      new RunTaskCommand({
        cluster: env.options.cluster,
        taskDefinition: tasks.tasks![0]!.taskDefinitionArn,
        launchType: 'FARGATE',
        clientToken: 'raw-token',
        networkConfiguration: {
          awsvpcConfiguration: { subnets: env.options.subnets, securityGroups: env.options.securityGroups },
        },
      }),
    );
    expect(repeat.tasks![0]!.taskArn).toBe(again.tasks![0]!.taskArn);
    expect(again.tasks![0]!.lastStatus).toBe('PROVISIONING');
    expect(again.tasks![0]!.containers![0]!.exitCode).toBeUndefined();
  });

  it('gap: RunTask in a VPC without enableDnsHostnames is an internal error (private_dns_name); AWS starts the task', async () => {
    env = await motoEnvironment();
    const ec2 = new EC2Client({
      region: REGION,
      endpoint: motoEndpoint(),
      credentials: { ...CREDENTIALS },
      maxAttempts: 1,
    });
    // A new VPC has enableDnsHostnames off (moto's default VPC has it on, which the other tests use).
    const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.91.0.0/16' }));
    const { Subnet } = await ec2.send(
      new CreateSubnetCommand({ VpcId: Vpc!.VpcId!, CidrBlock: '10.91.1.0/24' }),
    );
    const executor = new AwsTaskExecutor(
      { ...env.options, subnets: [Subnet!.SubnetId!], securityGroups: [] },
      env.clients,
    );
    const error = await executor
      .startTask('gaps@taskport.test', {
        command: 'true',
        image: foreignImage(),
        env: {},
        secrets: {},
        labels: {},
        requestId: 'req-gaps',
      })
      .catch((e) => e);
    executor.close();
    // moto fails with AttributeError 'NetworkInterface' object has no attribute 'private_dns_name' and
    // answers werkzeug's HTML 500 page, which the adapter names as such after its retries. On AWS the task
    // starts (its network interface just has no private DNS name); on moto use a VPC with enableDnsHostnames.
    expect(error.code).toBe('PROVIDER');
    expect(error.message).toContain(
      'ECS RunTask answered HTTP 500 with a body that is not AWS JSON (text/html',
    );
    expect(error.cause?.$metadata?.httpStatusCode).toBe(500);
  });
});
