// Benchmarks of the AWS provider against moto in server mode (started here, like the tests do):
//  1. AWS API calls per startTask: cold (new executor, new image), cold with a registry-registered image, warm.
//  2. Time and peak memory to page 100,000 log events through streamLogs.
// Run: pnpm --filter @taskport/aws bench   (builds first through turbo when run as `pnpm bench` at the root)
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CloudWatchLogsClient,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeSecurityGroupsCommand, DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ECSClient } from '@aws-sdk/client-ecs';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { canonicalImageConfig, computeImageId } from '@taskport/core';
import {
  AwsImageRegistry,
  AwsTaskExecutor,
  CloudWatchLogAggregator,
  ensureAwsResources,
  parseAwsOptions,
} from '../dist/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const LOG_EVENTS = Number(process.env.BENCH_LOG_EVENTS ?? 100_000);
const WARM_STARTS = 50;

function startMoto() {
  const ensure = spawnSync('bash', [join(ROOT, 'tooling/moto/ensure-moto.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (ensure.status !== 0) throw new Error('ensure-moto.sh failed');
  const python = ensure.stdout.trim().split('\n').pop();
  const child = spawn(python, [join(ROOT, 'tooling/moto/launcher.py'), '--port', '0'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return new Promise((resolvePort, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /READY (\d+)/.exec(out);
      if (match) resolvePort({ child, endpoint: `http://127.0.0.1:${match[1]}` });
    });
    child.on('exit', (code) => reject(new Error(`launcher exited ${code}`)));
  });
}

function counted(client, calls) {
  client.middlewareStack.add(
    (next, context) => (args) => {
      calls.push(context.commandName);
      return next(args);
    },
    { step: 'initialize', name: 'benchCounter' },
  );
  return client;
}

function imageInfo(image, resources) {
  const c = canonicalImageConfig({ image, registeredBy: 'bench', resources });
  return {
    imageId: computeImageId(c),
    image: c.image,
    reference: c.reference.normalized,
    registry: c.reference.registry,
    repository: c.reference.repository,
    tag: c.reference.tag,
    isDefault: false,
    cpu: c.cpu,
    memory: c.memory,
    platform: c.platform,
    registeredBy: 'bench',
    createdAt: new Date().toISOString(),
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const { child, endpoint } = await startMoto();
try {
  await fetch(`${endpoint}/moto-api/state-manager/set-transition`, {
    method: 'POST',
    body: JSON.stringify({ model_name: 'ecs::task', transition: { progression: 'manual', times: 1e9 } }),
  });
  const base = {
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 1,
  };
  const ec2 = new EC2Client(base);
  const subnet = (await ec2.send(new DescribeSubnetsCommand({}))).Subnets[0].SubnetId;
  const sg = (await ec2.send(new DescribeSecurityGroupsCommand({}))).SecurityGroups[0].GroupId;
  const role = await new IAMClient(base).send(
    new CreateRoleCommand({ RoleName: 'bench-exec', AssumeRolePolicyDocument: '{}' }),
  );
  const options = parseAwsOptions({
    region: 'us-east-1',
    endpoint,
    credentials: base.credentials,
    cluster: 'bench',
    subnets: [subnet],
    securityGroups: [sg],
    defaultExecutionRoleArn: role.Role.Arn,
    logGroup: '/bench/tasks',
    backendLogGroups: ['/bench/backend'],
  });
  const calls = [];
  const clients = {
    ecs: counted(new ECSClient(base), calls),
    dynamodb: counted(new DynamoDBClient(base), calls),
    iam: counted(new IAMClient(base), calls),
    logs: counted(new CloudWatchLogsClient(base), calls),
  };
  await ensureAwsResources(options, clients);
  const request = (image, i) => ({
    command: ['echo', String(i)],
    image,
    env: { N: String(i) },
    secrets: {},
    labels: { bench: 'yes' },
    requestId: `req-bench-${i}`,
  });

  // 1a. Cold: a new executor, an image nobody registered on AWS (e.g. from a local or another cloud's registry).
  const executor = new AwsTaskExecutor(options, clients);
  const foreign = imageInfo('ghcr.io/acme/bench:1', { cpu: 256, memory: 512 });
  calls.length = 0;
  await executor.startTask('bench@taskport.test', request(foreign, 0));
  const coldForeign = [...calls];

  // 1b. Cold: a new executor, an image registered by AwsImageRegistry (its task definition exists).
  const registered = await new AwsImageRegistry(options, clients).registerImage({
    image: 'alpine:3.20',
    registeredBy: 'bench',
  });
  const executor2 = new AwsTaskExecutor(options, clients);
  calls.length = 0;
  await executor2.startTask('bench@taskport.test', request(registered, 0));
  const coldRegistered = [...calls];

  // 1c. Warm: the same executor again.
  const warmCalls = [];
  const warmMs = [];
  for (let i = 1; i <= WARM_STARTS; i++) {
    calls.length = 0;
    const t = performance.now();
    await executor.startTask('bench@taskport.test', request(foreign, i));
    warmMs.push(performance.now() - t);
    warmCalls.push(calls.length);
  }
  executor.close();
  executor2.close();

  // 2. 100,000 log events through streamLogs.
  const logs = new CloudWatchLogAggregator(options, clients);
  const taskId = 'bench0000000000000000000000000001';
  const stream = logs.streamName(taskId);
  await clients.logs.send(
    new CreateLogStreamCommand({ logGroupName: options.logGroup, logStreamName: stream }),
  );
  const start = Date.now() - 3_600_000;
  for (let i = 0; i < LOG_EVENTS; i += 10_000) {
    const batch = Array.from({ length: Math.min(10_000, LOG_EVENTS - i) }, (_, j) => ({
      timestamp: start + Math.floor((i + j) / 10),
      message: `line ${String(i + j).padStart(7, '0')} ${'x'.repeat(60)}`,
    }));
    await clients.logs.send(
      new PutLogEventsCommand({ logGroupName: options.logGroup, logStreamName: stream, logEvents: batch }),
    );
  }
  globalThis.gc?.();
  const before = process.memoryUsage();
  let peakRss = before.rss;
  let peakHeap = before.heapUsed;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 10);
  calls.length = 0;
  const t0 = performance.now();
  let count = 0;
  let last = '';
  for await (const event of logs.streamLogs(taskId)) {
    count++;
    last = event.message;
  }
  const streamMs = performance.now() - t0;
  clearInterval(sampler);
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed);
  if (count !== LOG_EVENTS || !last.startsWith(`line ${String(LOG_EVENTS - 1).padStart(7, '0')}`)) {
    throw new Error(`streamed ${count} events, expected ${LOG_EVENTS}`);
  }

  const mb = (n) => (n / 1024 / 1024).toFixed(1);
  const result = {
    date: new Date().toISOString(),
    machine: `${os.cpus()[0]?.model} x${os.cpus().length}, ${mb(os.totalmem())} MiB RAM, ${os.type()} ${os.release()}, Node ${process.version}`,
    coldStartForeignImage: coldForeign,
    coldStartRegisteredImage: coldRegistered,
    warmStartCalls: { min: Math.min(...warmCalls), max: Math.max(...warmCalls), starts: WARM_STARTS },
    warmStartMedianMs: Number(median(warmMs).toFixed(1)),
    streamLogs: {
      events: count,
      seconds: Number((streamMs / 1000).toFixed(2)),
      eventsPerSecond: Math.round(count / (streamMs / 1000)),
      getLogEventsCalls: calls.filter((c) => c === 'GetLogEventsCommand').length,
      heapBeforeMiB: Number(mb(before.heapUsed)),
      peakHeapMiB: Number(mb(peakHeap)),
      rssBeforeMiB: Number(mb(before.rss)),
      peakRssMiB: Number(mb(peakRss)),
    },
  };
  mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench-results/aws.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
} finally {
  child.kill('SIGTERM');
}
