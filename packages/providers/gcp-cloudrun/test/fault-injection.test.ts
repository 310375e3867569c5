import { newRequestId, type TaskStartRequest, UnavailableError } from '@taskport/core';
import { afterEach, describe, expect, it } from 'vitest';
import { CloudRunTaskExecutor, gcpClients, jobNameFor, START_MARKER_ENV } from '../src/index.js';
import { control, fakeOptions, foreignImage, randomName } from './support/fake.js';

/*
 * RunJob has no client token, so a start is made idempotent by its marker env var. The fake injects
 * RESOURCE_EXHAUSTED before the run (provably not run: retried), and UNAVAILABLE / DEADLINE_EXCEEDED after
 * it accepted the run (ambiguous: looked up, not retried). Whatever the faults, every start yields
 * exactly one execution.
 */

const UNAVAILABLE = 14;
const DEADLINE_EXCEEDED = 4;
const RESOURCE_EXHAUSTED = 8;

// Faults are scoped to each test's own project, so the contract suites running alongside are not disturbed.
const fake = control();
afterEach(() => fake.clearFaults());

function request(extra: Partial<TaskStartRequest> = {}): TaskStartRequest {
  return {
    command: ['printf', '%s\n', 'hello'],
    image: foreignImage(),
    env: {},
    secrets: {},
    labels: {},
    requestId: newRequestId(),
    ...extra,
  };
}

/** Every execution of the image's job, read straight from the API. */
async function executionsOf(options: ReturnType<typeof fakeOptions>) {
  const clients = gcpClients(options);
  try {
    const [executions] = await clients.executions.listExecutions(
      { parent: jobNameFor(foreignImage().imageId, options), pageSize: 1000 },
      { autoPaginate: false },
    );
    return executions;
  } finally {
    await clients.close();
  }
}

async function setup() {
  const options = fakeOptions();
  const executor = new CloudRunTaskExecutor(options);
  // One plain start first, so the job exists and later RunJob calls are the only calls that can fail.
  const first = await executor.startTask('faults@taskport.test', request());
  return { options, executor, first };
}

describe('gcp-cloudrun startTask under injected faults', () => {
  it('RESOURCE_EXHAUSTED before the run is retried and starts one execution', async () => {
    const { options, executor } = await setup();
    await fake.pushFaults(
      'RunJob',
      [
        { at: 'before', code: RESOURCE_EXHAUSTED },
        { at: 'before', code: RESOURCE_EXHAUSTED },
      ],
      options.project,
    );
    const result = await executor.startTask('faults@taskport.test', request());
    const executions = await executionsOf(options);
    expect(executions).toHaveLength(2);
    expect(executions.map((e) => e.name)).toContain(result.executionId);
    await executor.close();
  });

  for (const [what, code] of [
    ['UNAVAILABLE', UNAVAILABLE],
    ['DEADLINE_EXCEEDED', DEADLINE_EXCEEDED],
  ] as const) {
    it(`${what} after the run was accepted is not retried: the start finds its execution by marker`, async () => {
      const { options, executor } = await setup();
      const before = (await fake.calls('RunJob', options.project)).length;
      await fake.pushFaults('RunJob', [{ at: 'after', code }], options.project);
      const result = await executor.startTask('faults@taskport.test', request());
      expect((await fake.calls('RunJob', options.project)).length - before).toBe(1);
      const executions = await executionsOf(options);
      expect(executions).toHaveLength(2);
      const found = executions.find((e) => e.name === result.executionId);
      expect(found?.template?.containers?.[0]?.env?.some((e) => e.name === START_MARKER_ENV)).toBe(true);
      await executor.close();
    });
  }

  it('an ambiguous failure whose lookup also fails is reported as "may have started", and it had', async () => {
    const { options, executor } = await setup();
    await fake.pushFaults('RunJob', [{ at: 'after', code: UNAVAILABLE }], options.project);
    // Every attempt of the lookup fails too (more faults than the retry policy has attempts).
    await fake.pushFaults(
      'ListExecutions',
      Array.from({ length: 40 }, () => ({ at: 'before' as const, code: UNAVAILABLE })),
      options.project,
    );
    const failed = executor.startTask('faults@taskport.test', request());
    await expect(failed).rejects.toSatisfy(
      (error: unknown) =>
        UnavailableError.isInstance(error) && /may have started/.test((error as Error).message),
    );
    await fake.clearFaults();
    // The error was honest: the lost answer had created the execution, and nothing else was started.
    expect(await executionsOf(options)).toHaveLength(2);
    await executor.close();
  });

  it('a keyed start whose answer was lost is found again by another executor without a second run', async () => {
    const { options, executor } = await setup();
    const idempotencyKey = randomName('key');
    await fake.pushFaults('RunJob', [{ at: 'after', code: DEADLINE_EXCEEDED }], options.project);
    const first = await executor.startTask('faults@taskport.test', request({ idempotencyKey }));
    // Another process retries the same request: it looks the marker up before running anything.
    const other = new CloudRunTaskExecutor(options);
    const runsBefore = (await fake.calls('RunJob', options.project)).length;
    const again = await other.startTask('faults@taskport.test', request({ idempotencyKey }));
    expect(again.executionId).toBe(first.executionId);
    expect((await fake.calls('RunJob', options.project)).length).toBe(runsBefore);
    expect(await executionsOf(options)).toHaveLength(2);
    await Promise.all([executor.close(), other.close()]);
  });

  it('with random throttles and lost answers, 40 starts make exactly 40 executions', async () => {
    const { options, executor, first } = await setup();
    await fake.setFaultRates(
      'RunJob',
      { before: 0.25, beforeCode: RESOURCE_EXHAUSTED, after: 0.25, afterCode: UNAVAILABLE },
      options.project,
    );
    const results = [];
    for (let batch = 0; batch < 8; batch++) {
      results.push(
        ...(await Promise.all(
          Array.from({ length: 5 }, (_, n) =>
            executor.startTask(
              'faults@taskport.test',
              request(n % 2 ? { idempotencyKey: randomName('key') } : {}),
            ),
          ),
        )),
      );
    }
    const injected = (await fake.injectedFaults()).filter((f) => f.project === options.project);
    expect(injected.filter((f) => f.at === 'before').length).toBeGreaterThan(0);
    expect(injected.filter((f) => f.at === 'after').length).toBeGreaterThan(0);
    const ids = results.map((r) => r.executionId);
    expect(new Set(ids).size).toBe(40);
    const executions = await executionsOf(options);
    expect(executions).toHaveLength(41);
    expect(new Set(executions.map((e) => e.name))).toEqual(new Set([first.executionId, ...ids]));
    await executor.close();
  });
});
