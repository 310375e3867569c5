import { isCloseable, PORT_NAMES } from '@taskport/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  LocalBackendObservability,
  LocalExecutionStore,
  LocalImageRegistry,
  LocalLogAggregator,
  LocalTaskExecutor,
  openLocalDatabaseCount,
  parseLocalOptions,
  taskportProvider,
} from '../src/index.js';
import { removeDataDir, tempDataDir } from './helpers.js';

let dataDir: string;
afterEach(() => removeDataDir(dataDir));

const deps = { env: {} };

describe('taskportProvider', () => {
  it('is named local, has a factory for every port and no DI library', () => {
    expect(taskportProvider.name).toBe('local');
    expect(Object.keys(taskportProvider.factories).sort()).toEqual([...PORT_NAMES].sort());
    // `taskport config show` reports a dataDir taken from this variable as coming from the environment.
    expect(taskportProvider.optionEnv).toEqual({ dataDir: 'TASKPORT_DATA_DIR' });
    expect(taskportProvider.environmentDefaults?.({ HOME: '/home/u' })).toEqual({
      dataDir: '/home/u/.local/state/taskport',
    });
  });

  it('builds adapters that share the data directory and release the database on close()', async () => {
    dataDir = tempDataDir();
    const options = parseLocalOptions({ dataDir }, {});
    const { factories } = taskportProvider;
    const executor = factories.taskExecutor!(options, deps);
    const registry = factories.imageRegistry!(options, deps);
    const logs = factories.logAggregator!(options, deps);
    const observability = factories.backendObservability!(options, deps);
    const store = factories.executionStore!(options, deps);
    expect(executor).toBeInstanceOf(LocalTaskExecutor);
    expect(registry).toBeInstanceOf(LocalImageRegistry);
    expect(logs).toBeInstanceOf(LocalLogAggregator);
    expect(observability).toBeInstanceOf(LocalBackendObservability);
    expect(store).toBeInstanceOf(LocalExecutionStore);

    const before = openLocalDatabaseCount();
    // Written through one adapter, read through another on the same directory.
    const info = await registry.registerImage({ image: 'alpine:3.20', registeredBy: 'test' });
    const reader = new LocalImageRegistry({ dataDir });
    expect((await reader.getDefaultImage())?.imageId).toBe(info.imageId);
    reader.close();

    // The backend logger writes where BackendObservability reads.
    const logger = taskportProvider.backendLogger!(options, deps);
    logger.log({ level: 'info', message: 'hello', requestId: 'req-module' });
    const lines = await observability.fetchBackendLogs('req-module');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!.message)).toMatchObject({
      msg: 'hello',
      level: 'info',
      request_id: 'req-module',
    });
    await store.list({ limit: 1 });
    expect(openLocalDatabaseCount()).toBe(before + 1);

    // The connection stays open while any adapter still uses it, and closes with the last one.
    const adapters: unknown[] = [executor, registry, logs, observability, store];
    for (const adapter of adapters) {
      if (!isCloseable(adapter))
        throw new Error('every local adapter holds the database and must be closeable');
      await adapter.close();
      expect(openLocalDatabaseCount()).toBe(before + 1);
    }
    if (!isCloseable(logger)) throw new Error('the backend logger holds the database and must be closeable');
    await logger.close();
    expect(openLocalDatabaseCount()).toBe(before);
  });
});
