import {
  type BackendObservability,
  type ExecutionStore,
  type ImageRegistry,
  type LogAggregator,
  PORT_NAMES,
  type TaskExecutor,
  TOKENS,
} from '@taskport/core';
import { Container } from 'inversify';
import { afterEach, describe, expect, it } from 'vitest';
import {
  LocalBackendObservability,
  LocalExecutionStore,
  LocalImageRegistry,
  LocalLogAggregator,
  LocalTaskExecutor,
  taskportProvider,
} from '../src/index.js';
import { removeDataDir, tempDataDir } from './helpers.js';

let dataDir: string;
afterEach(() => removeDataDir(dataDir));

describe('taskportProvider', () => {
  it('is named local and has a module for every port', () => {
    expect(taskportProvider.name).toBe('local');
    expect(Object.keys(taskportProvider.modules).sort()).toEqual([...PORT_NAMES].sort());
    // `taskport config show` reports a dataDir taken from this variable as coming from the environment.
    expect(taskportProvider.optionEnv).toEqual({ dataDir: 'TASKPORT_DATA_DIR' });
    expect(taskportProvider.parseOptions({}, { TASKPORT_DATA_DIR: '/from/env' }).dataDir).toBe('/from/env');
  });

  it('binds each port token to a singleton adapter that shares the data directory', async () => {
    dataDir = tempDataDir();
    const options = taskportProvider.parseOptions({ dataDir }, {});
    const container = new Container();
    for (const port of PORT_NAMES) container.load(taskportProvider.modules[port]!(options));

    const executor = container.get<TaskExecutor>(TOKENS.TaskExecutor);
    expect(executor).toBeInstanceOf(LocalTaskExecutor);
    expect(container.get<TaskExecutor>(TOKENS.TaskExecutor)).toBe(executor);
    expect(container.get<LogAggregator>(TOKENS.LogAggregator)).toBeInstanceOf(LocalLogAggregator);
    expect(container.get<ExecutionStore>(TOKENS.ExecutionStore)).toBeInstanceOf(LocalExecutionStore);
    const observability = container.get<BackendObservability>(TOKENS.BackendObservability);
    expect(observability).toBeInstanceOf(LocalBackendObservability);
    const registry = container.get<ImageRegistry>(TOKENS.ImageRegistry);
    expect(registry).toBeInstanceOf(LocalImageRegistry);

    // Written through one binding, read through a fresh adapter on the same directory.
    const info = await registry.registerImage({ image: 'alpine:3.20', registeredBy: 'test' });
    expect((await new LocalImageRegistry({ dataDir }).getDefaultImage())?.imageId).toBe(info.imageId);

    // The backend logger writes where BackendObservability reads.
    taskportProvider.backendLogger!(options).log({
      level: 'info',
      message: 'hello',
      requestId: 'req-module',
    });
    const lines = await observability.fetchBackendLogs('req-module');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!.message)).toMatchObject({
      msg: 'hello',
      level: 'info',
      request_id: 'req-module',
    });
  });
});
