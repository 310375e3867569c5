import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@taskport/contract-tests';
import { isFinalStatus, type LogEvent, OrchestratorService } from '@taskport/core';
import {
  LocalBackendObservability,
  LocalExecutionStore,
  LocalImageRegistry,
  SqliteBackendLogger,
} from '@taskport/local';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { testExecutor, testLogs } from './support/fixtures.js';

/*
 * The mix the provider exists for: tasks and their output on the engine, images, history and taskport's
 * own log lines in the local SQLite store - the Service resolves the image in one provider and runs it in
 * the other.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'taskport-docker-mix-'));
const executor = testExecutor();
const logs = testLogs();
const service = new OrchestratorService({
  taskExecutor: executor,
  logAggregator: logs,
  imageRegistry: new LocalImageRegistry({ dataDir }),
  executionStore: new LocalExecutionStore({ dataDir }),
  backendObservability: new LocalBackendObservability({ dataDir }),
  logger: new SqliteBackendLogger({ dataDir, minLevel: 'debug' }),
});
afterAll(async () => {
  await executor.close();
  await logs.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('docker executor and logs with local images and history', () => {
  it('runs `sh -c "echo hi; exit 3"` in a container: logs "hi", ends FAILED with exit code 3', async () => {
    await service.registerImage({
      image: inject('dockerTestImage'),
      registeredBy: 'mix@taskport.test',
      isDefault: true,
    });
    const { execution, requestId } = await service.runCommand('mix@taskport.test', {
      command: 'echo hi; echo oops >&2; exit 3',
      image: inject('dockerTestImage'),
    });
    expect(execution.executor).toBe('docker');
    const followed: LogEvent[] = [];
    for await (const event of service.streamLogs(execution.executionId, {
      follow: true,
      pollIntervalMs: 100,
    }))
      followed.push(event);
    // The engine copies stdout and stderr separately: their relative order is not kept.
    expect(followed.map((event) => `${event.stream}: ${event.message}`).sort()).toEqual([
      'stderr: oops',
      'stdout: hi',
    ]);
    const status = await waitFor(
      () => service.getExecutionStatus(execution.executionId),
      (record) => isFinalStatus(record.status),
      { timeoutMs: 30_000, what: 'the execution to end' },
    );
    expect(status).toMatchObject({ status: 'FAILED', exitCode: 3, stopCode: 'EXITED' });
    // The record is local; the request's log lines too.
    const trace = await service.trace(requestId);
    expect(trace.executions.map((record) => record.executionId)).toContain(execution.executionId);
    expect(trace.logs.length).toBeGreaterThan(0);
  });

  it('kill through the Service stops the container and records STOPPED', async () => {
    const { execution } = await service.runCommand('mix@taskport.test', { command: ['sleep', '300'] });
    await waitFor(
      () => executor.describeTask(execution.executionId),
      (d) => d.status === 'RUNNING',
      { timeoutMs: 15_000, what: 'running' },
    );
    const killed = await service.killExecution(execution.executionId);
    expect(killed.alreadyFinished).toBe(false);
    const status = await waitFor(
      () => service.getExecutionStatus(execution.executionId),
      (record) => isFinalStatus(record.status),
      { timeoutMs: 30_000, what: 'the execution to stop' },
    );
    expect(status).toMatchObject({ status: 'STOPPED', stopCode: 'USER_INITIATED' });
  });
});
