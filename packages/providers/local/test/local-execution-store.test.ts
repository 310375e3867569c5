import type { Execution } from '@taskport/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalExecutionStore } from '../src/index.js';
import { removeDataDir, tempDataDir } from './helpers.js';

let dataDir: string;
beforeEach(() => {
  dataDir = tempDataDir();
});
afterEach(() => removeDataDir(dataDir));

function record(id: string, labels: Record<string, string>, createdAt: string): Execution {
  return {
    executionId: id,
    status: 'SUCCEEDED',
    command: ['true'],
    imageId: 'host:local-00000000',
    image: 'host',
    createdBy: 't@test',
    executor: 'local',
    createdAt,
    exitCode: 0,
    requestId: 'req-test',
    labels,
    envKeys: [],
    env: {},
  };
}

describe('LocalExecutionStore.list with labels', () => {
  it('keeps only executions carrying every label with its exact value, and pages through them', async () => {
    const store = new LocalExecutionStore({ dataDir });
    await store.create(record('a', { team: 'data', env: 'prod' }, '2026-01-01T00:00:01.000Z'));
    await store.create(record('b', { team: 'data' }, '2026-01-01T00:00:02.000Z'));
    await store.create(record('c', { team: 'web' }, '2026-01-01T00:00:03.000Z'));
    await store.create(record('d', { 'odd"key': "x') OR 1=1 --" }, '2026-01-01T00:00:04.000Z'));
    const ids = async (labels: Record<string, string>) =>
      (await store.list({ labels })).items.map((e) => e.executionId);
    expect(await ids({ team: 'data' })).toEqual(['b', 'a']);
    expect(await ids({ team: 'data', env: 'prod' })).toEqual(['a']);
    expect(await ids({ team: 'ops' })).toEqual([]);
    expect(await ids({ 'odd"key': "x') OR 1=1 --" })).toEqual(['d']);
    const first = await store.list({ labels: { team: 'data' }, limit: 1 });
    expect(first.items.map((e) => e.executionId)).toEqual(['b']);
    const second = await store.list({ labels: { team: 'data' }, limit: 1, cursor: first.nextCursor! });
    expect(second.items.map((e) => e.executionId)).toEqual(['a']);
  });
});

describe('LocalExecutionStore.list with idPrefix', () => {
  it('returns the executions whose id starts with the prefix, with no wildcard characters', async () => {
    const store = new LocalExecutionStore({ dataDir });
    await store.create(record('loc-aa1', {}, '2026-01-01T00:00:01.000Z'));
    await store.create(record('loc-aa2', {}, '2026-01-01T00:00:02.000Z'));
    await store.create(record('loc-b%_', {}, '2026-01-01T00:00:03.000Z'));
    const ids = async (idPrefix: string) => (await store.list({ idPrefix })).items.map((e) => e.executionId);
    expect(await ids('loc-aa')).toEqual(['loc-aa2', 'loc-aa1']);
    expect(await ids('loc-b%')).toEqual(['loc-b%_']);
    expect(await ids('loc-%')).toEqual([]);
    expect(await ids('loc-aa2')).toEqual(['loc-aa2']);
  });
});
