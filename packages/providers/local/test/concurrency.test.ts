import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import {
  LocalExecutionStore,
  LocalImageRegistry,
  LocalLogAggregator,
  LocalTaskExecutor,
} from '../src/index.js';
import { eventually, removeDataDir, tempDataDir } from './helpers.js';

const run = promisify(execFile);
const WORKER = fileURLToPath(new URL('./fixtures/concurrent-writer.mjs', import.meta.url));
const WORKERS = 6;

let dataDir: string;
afterEach(() => removeDataDir(dataDir));

/** Runs `job` in WORKERS separate Node processes at once and returns what each printed. */
async function inParallel(job: string): Promise<string[][]> {
  const outputs = await Promise.all(
    Array.from({ length: WORKERS }, (_, index) =>
      run(process.execPath, [WORKER, dataDir, job, String(index)]),
    ),
  );
  return outputs.map(({ stdout }) => JSON.parse(stdout) as string[]);
}

describe('several processes writing one data directory at once', () => {
  it('image registrations from many processes keep one row per config and exactly one default', async () => {
    dataDir = tempDataDir();
    const results = await inParallel('images');
    const registry = new LocalImageRegistry({ dataDir });
    const images = await registry.listImages();
    // 15 distinct images per worker plus the one shared config registered by everyone.
    expect(images).toHaveLength(WORKERS * 15 + 1);
    expect(images.filter((image) => image.image === 'ghcr.io/acme/shared:1')).toHaveLength(1);
    const defaults = images.filter((image) => image.isDefault);
    expect(defaults).toHaveLength(1);
    expect(results.flat()).toContain(defaults[0]!.imageId);
  }, 60_000);

  it('execution records from many processes are all stored and each contested update has one winner', async () => {
    dataDir = tempDataDir();
    const store = new LocalExecutionStore({ dataDir });
    for (let i = 0; i < 10; i++) {
      await store.create({
        executionId: `shared-${i}`,
        status: 'RUNNING',
        command: 'true',
        imageId: 'alpine:latest-00000000',
        image: 'alpine',
        createdBy: 'test',
        executor: 'local',
        createdAt: new Date().toISOString(),
        exitCode: null,
        requestId: 'req-setup',
        labels: {},
        envKeys: [],
        env: {},
      });
    }
    const results = (await inParallel('executions')).flat();
    const all = [];
    let cursor: string | undefined;
    do {
      const page = await store.list({ limit: 40, ...(cursor ? { cursor } : {}) });
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(all).toHaveLength(WORKERS * 25 + 10);
    for (let i = 0; i < 10; i++) {
      expect(
        results.filter((line) => line === `won shared-${i}`),
        `winners of shared-${i}`,
      ).toHaveLength(1);
      const record = await store.get(`shared-${i}`);
      expect(record.status).toBe('SUCCEEDED');
      // The stored exit code is the winner's, whose request id is recorded as the modifier.
      expect(record.modifiedByRequestId).toBe(`req-w${record.exitCode}`);
    }
  }, 60_000);

  it('startTask with one idempotency key from many processes starts one task', async () => {
    dataDir = tempDataDir();
    const ids = new Set((await inParallel('start')).flat());
    expect(ids.size).toBe(1);
    const [executionId] = [...ids];
    const executor = new LocalTaskExecutor({ dataDir });
    await eventually(
      () => executor.describeTask(executionId!),
      (d) => d.status === 'SUCCEEDED',
    );
    const events = await new LocalLogAggregator({ dataDir }).fetchLogsByExecutionId(executionId!);
    expect(events.map((event) => event.message)).toEqual(['ran']);
  }, 60_000);

  it('a task outlives the process that started it', async () => {
    dataDir = tempDataDir();
    const { stdout } = await run(process.execPath, [WORKER, dataDir, 'detach', '0']);
    const [executionId] = JSON.parse(stdout) as string[];
    // The starter has exited; the task is still going and finishes on its own.
    const executor = new LocalTaskExecutor({ dataDir });
    expect(['STARTING', 'RUNNING']).toContain((await executor.describeTask(executionId!)).status);
    const final = await eventually(
      () => executor.describeTask(executionId!),
      (d) => d.status === 'SUCCEEDED',
    );
    expect(final.exitCode).toBe(0);
    const events = await new LocalLogAggregator({ dataDir }).fetchLogsByExecutionId(executionId!);
    expect(events).toHaveLength(1);
    expect(events[0]!.message).toMatch(/^outlived \d+$/);
  }, 30_000);
});
