// The floor a CLI start on AWS is compared with: a Node process that imports only @aws-sdk/client-ecs and
// sends one RunTask, credentials from the SDK's default chain (the environment), as a hand-written script
// would. Used by apps/cli/bench/aws-start.mjs; configured by environment variables.
import { ECSClient, RunTaskCommand } from '@aws-sdk/client-ecs';

const { BENCH_ENDPOINT, BENCH_CLUSTER, BENCH_TASK_DEFINITION, BENCH_SUBNET, BENCH_SECURITY_GROUP } =
  process.env;
const ecs = new ECSClient({ endpoint: BENCH_ENDPOINT, maxAttempts: 1 });
const { tasks } = await ecs.send(
  new RunTaskCommand({
    cluster: BENCH_CLUSTER,
    taskDefinition: BENCH_TASK_DEFINITION,
    launchType: 'FARGATE',
    count: 1,
    networkConfiguration: {
      awsvpcConfiguration: { subnets: [BENCH_SUBNET], securityGroups: [BENCH_SECURITY_GROUP] },
    },
    overrides: { containerOverrides: [{ name: 'main', command: ['true'] }] },
  }),
);
process.stdout.write(`${tasks?.[0]?.taskArn?.split('/').pop()}\n`);
