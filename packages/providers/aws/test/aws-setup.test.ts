import { afterEach, describe, expect, it } from 'vitest';
import { parseAwsOptions, planAwsSetup, runAwsSetup } from '../src/index.js';
import { CREDENTIALS, motoClients, motoEndpoint, REGION, randomName } from './support/moto.js';

describe('taskport aws setup (moto)', () => {
  const clients = motoClients();
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await cleanup?.();
  });

  it('plans what is missing, creates exactly that, and finds everything in place the second time', async () => {
    const id = randomName('setup');
    const options = parseAwsOptions({
      region: REGION,
      endpoint: motoEndpoint(),
      credentials: { ...CREDENTIALS },
      cluster: id,
      imagesTable: `${id}-images`,
      executionsTable: `${id}-executions`,
      logGroup: `/${id}/tasks`,
      backendLogGroups: [`/${id}/backend`],
    });
    const plan = await planAwsSetup(options, clients);
    expect(plan.map((item) => [item.kind, item.name, item.exists])).toEqual([
      ['dynamodb-table', `${id}-images`, false],
      ['dynamodb-table', `${id}-executions`, false],
      ['log-group', `/${id}/tasks`, false],
      ['log-group', `/${id}/backend`, false],
      ['ecs-cluster', id, false],
    ]);
    clients.counter.reset();
    const done = await runAwsSetup(options, clients);
    expect(done.every((item) => !item.exists)).toBe(true);
    expect(clients.counter.calls.filter((c) => /Create/.test(c)).sort()).toEqual([
      'dynamodb:CreateTableCommand',
      'dynamodb:CreateTableCommand',
      'ecs:CreateClusterCommand',
      'logs:CreateLogGroupCommand',
      'logs:CreateLogGroupCommand',
    ]);
    const again = await planAwsSetup(options, clients);
    expect(again.every((item) => item.exists)).toBe(true);
    clients.counter.reset();
    await runAwsSetup(options, clients);
    expect(clients.counter.calls.filter((c) => /Create/.test(c))).toEqual([]);
  });
});
