import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AwsImageRegistry, type AwsOptions, ensureAwsResources, parseAwsOptions } from '@taskport/aws';
import type { ImageInfo } from '@taskport/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CountingProxy,
  defaultNetwork,
  MOTO_ENV,
  MOTO_REGION,
  type Moto,
  startMoto,
} from './helpers/aws-moto.js';
import { MAIN, Sandbox } from './helpers/sandbox.js';

const PROBE = fileURLToPath(new URL('../bench/probe.mjs', import.meta.url));

// What one `taskport run --detach` costs on AWS, counted on the wire by a proxy between the CLI process and
// moto: RunTask plus at most one read to resolve the image, plus the record when history is on DynamoDB.
// Each run is a new process, so nothing is cached from an earlier start.

let moto: Moto;
let proxy: CountingProxy;
let sandbox: Sandbox;
let options: AwsOptions;
let proxied: Record<string, unknown>;
let image: ImageInfo;

beforeAll(async () => {
  moto = await startMoto();
  proxy = new CountingProxy();
  const proxyEndpoint = await proxy.start(moto.endpoint);
  const { subnet, securityGroup } = await defaultNetwork(moto.endpoint);
  const section = {
    region: MOTO_REGION,
    cluster: 'cli-start',
    subnets: [subnet],
    securityGroups: [securityGroup],
    defaultExecutionRoleArn: 'arn:aws:iam::123456789012:role/taskport-execution',
    imagesTable: 'cli-start-images',
    executionsTable: 'cli-start-executions',
    logGroup: '/cli-start/tasks',
    backendLogGroups: ['/cli-start/backend'],
  };
  proxied = { ...section, endpoint: proxyEndpoint };
  // Set up straight against moto, so that none of it is counted.
  options = parseAwsOptions({ ...section, endpoint: moto.endpoint, credentials: { ...credentials() } });
  await ensureAwsResources(options);
  const registry = new AwsImageRegistry(options);
  image = await registry.registerImage({
    image: 'alpine:3.20',
    registeredBy: 'e2e@example.com',
    isDefault: true,
  });
  await registry.registerImage({ image: 'busybox:1.36', registeredBy: 'e2e@example.com' });
}, 120_000);

afterAll(async () => {
  await proxy?.stop();
  await moto?.stop();
});

beforeEach(async () => {
  sandbox = await Sandbox.create();
  return () => sandbox.cleanup();
});

function credentials() {
  return { accessKeyId: MOTO_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: MOTO_ENV.AWS_SECRET_ACCESS_KEY };
}

async function writeConfig(ports: Record<string, string> = {}): Promise<string> {
  const config = join(sandbox.root, 'taskport.yaml');
  const providers = { taskExecutor: 'aws', imageRegistry: 'aws', ...ports };
  await writeFile(config, `${JSON.stringify({ providers, aws: proxied }, null, 2)}\n`);
  return config;
}

/**
 * Runs `taskport run --detach <args> -- true` against the proxy and returns the calls it made. The first
 * run of an hour also applies retention (its own test below); an uncounted run first takes that turn.
 */
async function callsOfStart(
  args: string[],
  ports: Record<string, string> = {},
  { firstOfTheHour = false } = {},
): Promise<string[]> {
  const config = await writeConfig(ports);
  if (!firstOfTheHour) {
    await sandbox.ok(['--config', config, 'run', '--detach', '--', 'true'], { env: MOTO_ENV });
  }
  proxy.reset();
  const result = await sandbox.run(['--config', config, 'run', '--detach', ...args, '--', 'true'], {
    env: MOTO_ENV,
  });
  expect(result.code, result.stderr).toBe(0);
  expect(result.stdout).toMatch(/^[0-9a-f-]{32,36}\n$/);
  return [...proxy.calls];
}

describe('taskport run --detach on AWS (moto, counted on the wire)', () => {
  it('by image id: one GetItem and one RunTask, nothing else', async () => {
    expect(await callsOfStart(['--image', image.imageId])).toEqual(['DynamoDB.GetItem', 'ECS.RunTask']);
  });

  it('by image name: one Query and one RunTask', async () => {
    expect(await callsOfStart(['--image', 'busybox:1.36'])).toEqual(['DynamoDB.Query', 'ECS.RunTask']);
  });

  it('the default image: one GetItem (the pointer carries the image) and one RunTask', async () => {
    expect(await callsOfStart([])).toEqual(['DynamoDB.GetItem', 'ECS.RunTask']);
  });

  it('with history on DynamoDB: the record write comes on top', async () => {
    expect(await callsOfStart(['--image', image.imageId], { executionStore: 'aws' })).toEqual([
      'DynamoDB.GetItem',
      'ECS.RunTask',
      'DynamoDB.PutItem',
    ]);
  });

  it('the first run of an hour with history on DynamoDB also applies retention: one listing, nothing old to remove', async () => {
    expect(
      await callsOfStart(['--image', image.imageId], { executionStore: 'aws' }, { firstOfTheHour: true }),
    ).toEqual(['DynamoDB.GetItem', 'ECS.RunTask', 'DynamoDB.PutItem', 'DynamoDB.Query']);
  });

  it('with an idempotency key and history on DynamoDB: still one RunTask and one image read', async () => {
    const calls = await callsOfStart(['--image', image.imageId, '--idempotency-key', `e2e-${Date.now()}`], {
      executionStore: 'aws',
    });
    // The store's own key lookup and its claim write are the store's design; the start path adds the image
    // read (concurrent with the key lookup) and exactly one RunTask, before the record write.
    expect(calls.filter((call) => call.startsWith('ECS.'))).toEqual(['ECS.RunTask']);
    expect(calls.indexOf('ECS.RunTask')).toBe(calls.length - 2);
    expect(calls.filter((call) => call === 'DynamoDB.GetItem').length).toBeLessThanOrEqual(2);
  });

  it('imports only the SDK clients the start calls: ECS and DynamoDB, not IAM or CloudWatch Logs', async () => {
    const config = await writeConfig();
    const out = join(sandbox.root, 'probe.json');
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [
          '--import',
          PROBE,
          MAIN,
          '--config',
          config,
          'run',
          '--detach',
          '--image',
          image.imageId,
          '--',
          'true',
        ],
        {
          cwd: sandbox.root,
          env: { ...sandbox.env, ...MOTO_ENV, TASKPORT_PROBE_OUT: out, TASKPORT_PROBE_MODULES: '1' },
          stdio: 'ignore',
        },
      );
      child.on('error', reject);
      child.on('close', resolve);
    });
    expect(code).toBe(0);
    const { modules } = JSON.parse(await readFile(out, 'utf8')) as { modules: string[] };
    // The bundled CLI loads chunks; their source maps say which packages each chunk holds.
    const sources: string[] = [...modules];
    for (const url of modules) {
      if (!url.startsWith('file:') || !url.endsWith('.js')) continue;
      const map = await readFile(`${fileURLToPath(url)}.map`, 'utf8').catch(() => undefined);
      if (map) sources.push(...((JSON.parse(map) as { sources?: string[] }).sources ?? []));
    }
    const clients = new Set(sources.flatMap((url) => /@aws-sdk\/client-([a-z0-9-]+)\//.exec(url)?.[1] ?? []));
    expect([...clients].sort()).toEqual(['dynamodb', 'ecs']);
  });
});
