import { ScanCommand } from '@aws-sdk/client-dynamodb';
import type { Execution } from '@taskport/core';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoDbExecutionStore } from '../src/index.js';
import { type MotoEnvironment, motoEnvironment } from './support/moto.js';

function record(id: string, labels: Record<string, string>, createdAt: string): Execution {
  return {
    executionId: id,
    status: 'SUCCEEDED',
    command: ['true'],
    imageId: 'alpine:3.20-00000000',
    image: 'alpine:3.20',
    createdBy: 't@test',
    executor: 'aws',
    createdAt,
    exitCode: 0,
    requestId: 'req-test',
    labels,
    envKeys: [],
    env: {},
  };
}

describe('DynamoDbExecutionStore.list with labels (moto)', () => {
  let env: MotoEnvironment;
  afterEach(async () => {
    await env?.cleanup();
  });

  it('keeps only executions carrying every label with its exact value, and pages through them', async () => {
    env = await motoEnvironment();
    const store = new DynamoDbExecutionStore(env.options, env.clients);
    await store.create(record('a', { team: 'data', env: 'prod' }, '2026-01-01T00:00:01.000Z'));
    await store.create(record('b', { team: 'data' }, '2026-01-01T00:00:02.000Z'));
    await store.create(record('c', { team: 'web' }, '2026-01-01T00:00:03.000Z'));
    await store.create(record('d', { 'a.b c': 'x' }, '2026-01-01T00:00:04.000Z'));
    const ids = async (labels: Record<string, string>) =>
      (await store.list({ labels })).items.map((e) => e.executionId);
    expect(await ids({ team: 'data' })).toEqual(['b', 'a']);
    expect(await ids({ team: 'data', env: 'prod' })).toEqual(['a']);
    expect(await ids({ team: 'ops' })).toEqual([]);
    expect(await ids({ 'a.b c': 'x' })).toEqual(['d']);
    const first = await store.list({ labels: { team: 'data' }, limit: 1 });
    expect(first.items.map((e) => e.executionId)).toEqual(['b']);
    const second = await store.list({ labels: { team: 'data' }, limit: 1, cursor: first.nextCursor! });
    expect(second.items.map((e) => e.executionId)).toEqual(['a']);
  });

  it('idPrefix returns the executions whose id starts with it', async () => {
    env = await motoEnvironment();
    const store = new DynamoDbExecutionStore(env.options, env.clients);
    await store.create(record('abc111', {}, '2026-01-01T00:00:01.000Z'));
    await store.create(record('abc222', {}, '2026-01-01T00:00:02.000Z'));
    await store.create(record('xyz', {}, '2026-01-01T00:00:03.000Z'));
    const ids = async (idPrefix: string) => (await store.list({ idPrefix })).items.map((e) => e.executionId);
    expect(await ids('abc')).toEqual(['abc222', 'abc111']);
    expect(await ids('x')).toEqual(['xyz']);
    expect(await ids('q')).toEqual([]);
  });
});

describe('DynamoDbExecutionStore.delete (moto)', () => {
  let env: MotoEnvironment;
  afterEach(async () => {
    await env?.cleanup();
  });

  it('removes the record with the claim of its key and the link of every request that changed it', async () => {
    env = await motoEnvironment();
    const store = new DynamoDbExecutionStore(env.options, env.clients);
    const started = {
      ...record('gone', {}, '2026-01-01T00:00:01.000Z'),
      status: 'STARTING' as const,
      exitCode: null,
      idempotencyKey: 'nightly',
    };
    await store.create(started);
    await store.create(record('kept', {}, '2026-01-01T00:00:02.000Z'));
    await store.updateStatus('gone', { status: 'RUNNING', requestId: 'req-status' });
    await store.updateStatus('gone', { status: 'TERMINATING', requestId: 'req-kill' });
    await store.updateStatus('gone', { status: 'STOPPED', requestId: 'req-reconcile' });
    expect((await store.listByRequestId('req-kill')).map((e) => e.executionId)).toEqual(['gone']);
    // The internal set of linked requests is not part of the record.
    expect(Object.keys((await store.get('gone'))!)).not.toContain('_linkedRequests');

    await store.delete('gone');
    const scan = await env.clients.dynamodb.send(new ScanCommand({ TableName: env.options.executionsTable }));
    const keys = (scan.Items ?? []).map((item) => item.executionId?.S);
    expect(keys).toEqual(['kept']);
    // The key may be used again.
    await store.create({ ...started, executionId: 'again' });
    expect((await store.get('again'))?.idempotencyKey).toBe('nightly');
  });
});
