import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CloudWatchLogsClient,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { DescribeSecurityGroupsCommand, DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { awsClients, ensureAwsResources, parseAwsOptions } from '@taskport/aws';

/**
 * moto in server mode (the repository's launcher, installed from PyPI by tooling/moto/ensure-moto.sh)
 * and a fresh AWS deployment in it, plus the driver that plays the ECS agent and awslogs: moto runs no
 * containers, so the test moves tasks and writes their output where the platform would.
 */
const ROOT = resolve(fileURLToPath(new URL('../../../..', import.meta.url)));
export const REGION = 'us-east-1';
export const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

export interface Moto {
  endpoint: string;
  /** The `aws` section of a deployment config for a fresh cluster, tables and log groups. */
  aws: Record<string, unknown>;
  setTaskState(taskId: string, state: Record<string, unknown>): Promise<void>;
  writeLogs(taskId: string, lines: string[]): Promise<void>;
  stop(): Promise<void>;
}

export async function startMoto(): Promise<Moto> {
  const ensure = spawnSync('bash', [join(ROOT, 'tooling/moto/ensure-moto.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const python = ensure.stdout.trim().split('\n').pop() ?? '';
  if (ensure.status !== 0 || !existsSync(python)) {
    throw new Error(
      'tooling/moto/ensure-moto.sh failed; it installs moto from PyPI into .toolchain/moto-venv',
    );
  }
  const child = spawn(python, [join(ROOT, 'tooling/moto/launcher.py'), '--port', '0'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const port = await new Promise<number>((done, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /READY (\d+)/.exec(out);
      if (match) done(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`moto exited with ${code}`)));
  });
  child.removeAllListeners('exit');
  const endpoint = `http://127.0.0.1:${port}`;
  await post(`${endpoint}/moto-api/state-manager/set-transition`, {
    model_name: 'ecs::task',
    transition: { progression: 'manual', times: 1_000_000_000 },
  });
  // Copies: SDK clients mark the credentials object they get ($source), which the options schema refuses.
  const config = () => ({ region: REGION, endpoint, credentials: { ...CREDENTIALS } });
  const ec2 = new EC2Client(config());
  const subnets = await ec2.send(
    new DescribeSubnetsCommand({ Filters: [{ Name: 'default-for-az', Values: ['true'] }] }),
  );
  const groups = await ec2.send(
    new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: ['default'] }] }),
  );
  const id = randomBytes(4).toString('hex');
  const role = await new IAMClient(config()).send(
    new CreateRoleCommand({
      RoleName: `taskport-exec-${id}`,
      AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [] }),
    }),
  );
  const aws = {
    region: REGION,
    endpoint,
    credentials: { ...CREDENTIALS },
    cluster: `taskport-${id}`,
    subnets: [subnets.Subnets?.[0]?.SubnetId],
    securityGroups: [groups.SecurityGroups?.[0]?.GroupId],
    defaultExecutionRoleArn: role.Role?.Arn,
    logGroup: `/taskport/${id}/tasks`,
    backendLogGroups: [`/taskport/${id}/backend`],
    imagesTable: `taskport-images-${id}`,
    executionsTable: `taskport-executions-${id}`,
    familyPrefix: `tp${id}`,
  };
  const options = parseAwsOptions(aws);
  await ensureAwsResources(options, awsClients(options));
  const logs = new CloudWatchLogsClient(config());
  return {
    endpoint,
    aws,
    setTaskState: (taskId, state) => post(`${endpoint}/_taskport/ecs/task-state`, { task: taskId, ...state }),
    async writeLogs(taskId, lines) {
      const logStreamName = `${options.logStreamPrefix}/${options.containerName}/${taskId}`;
      await logs
        .send(new CreateLogStreamCommand({ logGroupName: options.logGroup, logStreamName }))
        .catch((error: Error) => {
          if (error.name !== 'ResourceAlreadyExistsException') throw error;
        });
      const now = Date.now();
      await logs.send(
        new PutLogEventsCommand({
          logGroupName: options.logGroup,
          logStreamName,
          logEvents: lines.map((message, i) => ({ timestamp: now + i, message })),
        }),
      );
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function post(url: string, body: unknown): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`POST ${url}: HTTP ${response.status} ${await response.text()}`);
}
